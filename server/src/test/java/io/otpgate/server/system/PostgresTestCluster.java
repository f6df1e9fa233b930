package io.otpgate.server.system;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

/**
 * A throw-away PostgreSQL cluster for tests, started from Debian's server binaries on first use, once per JVM, and
 * stopped ({@code pg_ctl stop -m immediate}) and deleted by a shutdown hook. It lives in a fresh directory under
 * {@code java.io.tmpdir}, listens on 127.0.0.1 only, on a free port, and trusts every local connection. As root every
 * PostgreSQL program runs as the {@code postgres} user (PostgreSQL refuses to run as root).
 *
 * <p>Each test takes its own empty database from {@link #newDatabase()}. Without the binaries a test that calls
 * {@link #assumeAvailable()} is skipped on a developer's machine but fails in CI ({@code CI} set, as {@code .ci/run}
 * does, which also installs the {@code postgresql} package), like {@code io.otpgate.core.ExternalTool}. Administration
 * goes through {@code psql}, so this class needs only the JDK and JUnit.
 */
public final class PostgresTestCluster {

    /** A fresh, empty database owned by the role {@code otpgate}. */
    public record Database(String name, String jdbcUrl, String username, String password) {
    }

    /** Overrides the directory holding initdb, pg_ctl, psql and pg_dump. */
    public static final String BIN_ENV = "OTPGATE_PG_BIN";

    private static final String ROLE = "otpgate";
    private static final String ROLE_PASSWORD = "otpgate";
    private static final String SUPERUSER = "postgres";
    private static final String HOST = "127.0.0.1";
    private static final List<String> BINARIES = List.of("initdb", "pg_ctl", "psql", "pg_dump");
    private static final long PROCESS_TIMEOUT_SECONDS = 60;
    private static final int PORT_ATTEMPTS = 5;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private static Cluster cluster;
    private static RuntimeException startFailure;

    private PostgresTestCluster() {
    }

    /** Whether the PostgreSQL server binaries are installed (or found in {@code OTPGATE_PG_BIN}). */
    public static boolean available() {
        return binDirectory().isPresent();
    }

    /** Skips the calling test without the binaries, or fails it when {@code CI} is set. */
    public static void assumeAvailable() {
        if (!available()) {
            String message = "PostgreSQL server binaries not found (" + searched()
                    + "); install Debian's postgresql package";
            String ci = System.getenv("CI");
            if (ci != null && !ci.isEmpty()) {
                throw new AssertionError(message + " (.ci/run installs it); CI is set, so this test may not be skipped");
            }
            Assumptions.abort(message);
        }
    }

    /** Starts the cluster if needed and creates a fresh, empty database with a unique name. Thread-safe. */
    public static Database newDatabase() {
        Cluster running = cluster();
        String name = "t_" + DATABASES.incrementAndGet() + "_" + randomHex(4);
        running.psql("create database " + name + " owner " + ROLE);
        return new Database(name, "jdbc:postgresql://" + HOST + ":" + running.port + "/" + name, ROLE, ROLE_PASSWORD);
    }

    /** The whole plain-format {@code pg_dump --data-only --inserts} of the database. */
    public static String pgDump(Database db) {
        Cluster running = cluster();
        return running.run("pg_dump", "--data-only", "--inserts", "-h", running.socketDir.toString(),
                "-p", String.valueOf(running.port), "-U", SUPERUSER, "-d", db.name());
    }

    private static synchronized Cluster cluster() {
        if (cluster != null) {
            return cluster;
        }
        if (startFailure != null) {
            throw new IllegalStateException("the PostgreSQL test cluster failed to start earlier in this JVM",
                    startFailure);
        }
        Path bin = binDirectory().orElseThrow(() -> new IllegalStateException(
                "PostgreSQL server binaries not found (" + searched() + "); install Debian's postgresql package"));
        try {
            cluster = Cluster.start(bin);
            return cluster;
        } catch (RuntimeException e) {
            startFailure = e;
            throw e;
        }
    }

    private static Optional<Path> binDirectory() {
        String override = System.getenv(BIN_ENV);
        if (override != null && !override.isEmpty()) {
            return Optional.of(Path.of(override)).filter(PostgresTestCluster::hasBinaries);
        }
        Path versions = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(versions)) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(versions)) {
            return entries.map(version -> version.resolve("bin"))
                    .filter(PostgresTestCluster::hasBinaries)
                    .max(Comparator.comparing(bin -> bin.getParent().getFileName().toString(),
                            PostgresTestCluster::compareVersions));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String searched() {
        String override = System.getenv(BIN_ENV);
        return override != null && !override.isEmpty() ? "looked in " + BIN_ENV + "=" + override
                : "looked in /usr/lib/postgresql/*/bin; " + BIN_ENV + " overrides";
    }

    private static boolean hasBinaries(Path bin) {
        return BINARIES.stream().allMatch(name -> Files.isExecutable(bin.resolve(name)));
    }

    /** Numeric comparison of dotted versions ("9.6" < "15" < "16"); non-numeric parts compare as 0. */
    private static int compareVersions(String a, String b) {
        String[] left = a.split("\\.");
        String[] right = b.split("\\.");
        for (int i = 0; i < Math.max(left.length, right.length); i++) {
            int c = Integer.compare(number(left, i), number(right, i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static int number(String[] parts, int index) {
        try {
            return index < parts.length ? Integer.parseInt(parts[index]) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    private static boolean runningAsRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static final class Cluster {

        private final Path bin;
        private final Path root;
        private final Path dataDir;
        private final Path socketDir;
        private final Path logFile;
        private final boolean asRoot;
        private volatile int port;

        private Cluster(Path bin, Path root, boolean asRoot) {
            this.bin = bin;
            this.root = root;
            this.dataDir = root.resolve("data");
            this.socketDir = root.resolve("sock");
            this.logFile = root.resolve("server.log");
            this.asRoot = asRoot;
        }

        static Cluster start(Path bin) {
            long started = System.nanoTime();
            Path root;
            try {
                root = Files.createTempDirectory("otpgate-pg-");
            } catch (IOException e) {
                throw new UncheckedIOException("could not create the PostgreSQL test cluster directory", e);
            }
            Cluster cluster = new Cluster(bin, root, runningAsRoot());
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::stopAndDelete, "otpgate-pg-stop"));
            cluster.prepareDirectories();
            cluster.run("initdb", "-D", cluster.dataDir.toString(), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-sync");
            cluster.startServer();
            cluster.psql("create role " + ROLE + " login password '" + ROLE_PASSWORD + "'");
            System.err.printf(Locale.ROOT, "postgres: test cluster on %s:%d (%.1f s)%n", HOST, cluster.port,
                    (System.nanoTime() - started) / 1e9);
            return cluster;
        }

        private void prepareDirectories() {
            try {
                Files.createDirectory(dataDir,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Files.createDirectory(socketDir,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                if (asRoot) {
                    UserPrincipalLookupService lookup = root.getFileSystem().getUserPrincipalLookupService();
                    UserPrincipal user = lookup.lookupPrincipalByName(SUPERUSER);
                    GroupPrincipal group = lookup.lookupPrincipalByGroupName(SUPERUSER);
                    for (Path dir : List.of(root, dataDir, socketDir)) {
                        PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
                        view.setOwner(user);
                        view.setGroup(group);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not prepare " + root + " for the PostgreSQL test cluster"
                        + (asRoot ? " (running as root: is there a postgres user?)" : ""), e);
            }
        }

        /** Starts the server on a free port, picking another one if somebody else took it in the meantime. */
        private void startServer() {
            for (int attempt = 1; ; attempt++) {
                port = freePort();
                long logOffset = logSize();
                Result result = execute(List.of("pg_ctl", "-D", dataDir.toString(), "-l", logFile.toString(),
                        "-w", "-t", "60", "-o", "-p " + port + " -k '" + socketDir + "'"
                                + " -c listen_addresses=" + HOST + " -c fsync=off -c synchronous_commit=off"
                                + " -c full_page_writes=off -c max_connections=200",
                        "start"));
                if (result.exitCode() == 0) {
                    return;
                }
                String log = logSince(logOffset);
                if (attempt < PORT_ATTEMPTS && log.contains("Address already in use")) {
                    continue;
                }
                throw new IllegalStateException(result.describe() + "\nserver log:\n" + log.strip());
            }
        }

        void psql(String sql) {
            run("psql", "-qX", "-v", "ON_ERROR_STOP=1", "-h", socketDir.toString(), "-p", String.valueOf(port),
                    "-U", SUPERUSER, "-d", "postgres", "-c", sql);
        }

        /** Runs a PostgreSQL program and returns its standard output; throws, with its stderr, unless it exits 0. */
        String run(String program, String... arguments) {
            List<String> command = new ArrayList<>();
            command.add(program);
            command.addAll(List.of(arguments));
            Result result = execute(command);
            if (result.exitCode() != 0) {
                throw new IllegalStateException(result.describe());
            }
            return result.stdout();
        }

        private Result execute(List<String> command) {
            List<String> full = new ArrayList<>();
            if (asRoot) {
                full.addAll(List.of(runuser(), "-u", SUPERUSER, "--"));
            }
            full.add(bin.resolve(command.get(0)).toString());
            full.addAll(command.subList(1, command.size()));
            Path out = null;
            Path err = null;
            try {
                // Output goes to files, not pipes: the postmaster that pg_ctl leaves behind would hold a pipe open.
                out = Files.createTempFile(root, "out-", ".txt");
                err = Files.createTempFile(root, "err-", ".txt");
                ProcessBuilder builder = new ProcessBuilder(full).directory(root.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile());
                builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
                Process process = builder.start();
                if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                    return new Result(command, -1, "", "timed out after " + PROCESS_TIMEOUT_SECONDS + " s; "
                            + Files.readString(err, StandardCharsets.UTF_8));
                }
                return new Result(command, process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("could not run " + String.join(" ", full), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running " + command.get(0), e);
            } finally {
                deleteQuietly(out);
                deleteQuietly(err);
            }
        }

        private void stopAndDelete() {
            try {
                if (Files.exists(dataDir.resolve("postmaster.pid"))) {
                    execute(List.of("pg_ctl", "-D", dataDir.toString(), "-m", "immediate", "-w", "-t", "30", "stop"));
                }
            } catch (RuntimeException e) {
                System.err.println("postgres: could not stop the test cluster in " + root + ": " + e.getMessage());
            }
            try (Stream<Path> paths = Files.walk(root)) {
                paths.sorted(Comparator.reverseOrder()).forEach(PostgresTestCluster::deleteQuietly);
            } catch (IOException e) {
                // best effort: the directory is under java.io.tmpdir
            }
        }

        private long logSize() {
            try {
                return Files.exists(logFile) ? Files.size(logFile) : 0;
            } catch (IOException e) {
                return 0;
            }
        }

        private String logSince(long offset) {
            try (InputStream in = Files.newInputStream(logFile)) {
                in.skipNBytes(offset);
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(no server log: " + e.getMessage() + ")";
            }
        }

        private static String runuser() {
            return Stream.of("/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser")
                    .filter(candidate -> Files.isExecutable(Path.of(candidate)))
                    .findFirst().orElse("runuser");
        }

        private static int freePort() {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("could not find a free TCP port", e);
            }
        }
    }

    private record Result(List<String> command, int exitCode, String stdout, String stderr) {

        String describe() {
            return command.get(0) + " failed (exit " + exitCode + "): " + String.join(" ", command)
                    + (stderr.isBlank() ? "" : "\n" + stderr.strip());
        }
    }

    private static void deleteQuietly(Path path) {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // best effort
            }
        }
    }
}
