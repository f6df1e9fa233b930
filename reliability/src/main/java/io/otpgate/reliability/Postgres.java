package io.otpgate.reliability;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL cluster from Debian's {@code postgresql} package: {@code initdb} in a fresh directory under
 * {@code java.io.tmpdir}, started on 127.0.0.1 and a free port, trusting local connections, with durability off
 * ({@code fsync=off}: it holds test data only). As root every PostgreSQL program runs as the {@code postgres} user
 * (PostgreSQL refuses to run as root). {@link #close()} stops it and deletes its directory; a shutdown hook does the
 * same if the JVM ends first. Each process of a scenario reaches its database over TCP with the database's own role
 * and password ({@link Database}).
 */
public final class Postgres implements AutoCloseable {

    /**
     * A database owned by a role of the same name, with a random password.
     *
     * @param jdbcUrl {@code jdbc:postgresql://127.0.0.1:PORT/NAME}
     */
    public record Database(String name, String jdbcUrl, String username, String password) {

        /** A new JDBC connection as the database's owner; the caller closes it. */
        public Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl, username, password);
        }

        @Override
        public String toString() {
            return "Database[" + jdbcUrl + ", user " + username + ", password PROTECTED]";
        }
    }

    /** Overrides the directory holding initdb, pg_ctl, psql and pg_dump. */
    public static final String BIN_ENV = "OTPGATE_PG_BIN";

    private static final String SUPERUSER = "postgres";
    private static final String HOST = "127.0.0.1";
    private static final List<String> BINARIES = List.of("initdb", "pg_ctl", "psql", "pg_dump");
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,40}");
    private static final long PROCESS_TIMEOUT_SECONDS = 120;
    private static final int PORT_ATTEMPTS = 5;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path bin;
    private final Path root;
    private final Path dataDir;
    private final Path socketDir;
    private final Path logFile;
    private final boolean asRoot;
    private final Thread shutdownHook;
    private int port;
    private boolean closed;

    private Postgres(Path bin, Path root) {
        this.bin = bin;
        this.root = root;
        this.dataDir = root.resolve("data");
        this.socketDir = root.resolve("sock");
        this.logFile = root.resolve("server.log");
        this.asRoot = runningAsRoot();
        this.shutdownHook = new Thread(this::stopAndDelete, "otpgate-postgres-stop");
    }

    /** Whether the PostgreSQL server programs are installed (or found in {@value #BIN_ENV}). */
    public static boolean available() {
        return binDirectory().isPresent();
    }

    /** Why {@link #available()} is false, and how to fix it. */
    public static String unavailableReason() {
        String override = System.getenv(BIN_ENV);
        String searched = override != null && !override.isEmpty() ? BIN_ENV + "=" + override
                : "/usr/lib/postgresql/*/bin";
        return "PostgreSQL server programs (initdb, pg_ctl, psql, pg_dump) not found in " + searched
                + ": install Debian's postgresql package (apt-get install postgresql), or set " + BIN_ENV;
    }

    /**
     * Creates and starts a cluster; takes about 2 s.
     *
     * @throws IllegalStateException if the programs are missing or a step fails (with its output)
     */
    public static Postgres start() {
        Path bin = binDirectory().orElseThrow(() -> new IllegalStateException(unavailableReason()));
        Path root;
        try {
            root = Files.createTempDirectory("otpgate-postgres-");
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a directory for PostgreSQL", e);
        }
        Postgres postgres = new Postgres(bin, root);
        Runtime.getRuntime().addShutdownHook(postgres.shutdownHook);
        try {
            postgres.prepareDirectories();
            postgres.run("initdb", "-D", postgres.dataDir.toString(), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-sync");
            postgres.startServer();
            return postgres;
        } catch (RuntimeException e) {
            postgres.close();
            throw e;
        }
    }

    /** The TCP port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /**
     * Creates an empty database and its owner role, both named {@code name}, with a random password.
     *
     * @param name lower-case letters, digits and underscores, starting with a letter
     */
    public synchronized Database createDatabase(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("database name must match " + NAME + ", got \"" + name + "\"");
        }
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        String password = HexFormat.of().formatHex(random);
        psql("create role " + name + " login password '" + password + "'");
        psql("create database " + name + " owner " + name);
        return new Database(name, "jdbc:postgresql://" + HOST + ":" + port + "/" + name, name, password);
    }

    /** The whole database, schema and data, as {@code pg_dump --inserts} prints it (plain SQL text). */
    public String dump(Database database) {
        return run("pg_dump", "--inserts", "--no-owner", "-h", socketDir.toString(), "-p", String.valueOf(port),
                "-U", SUPERUSER, "-d", database.name());
    }

    /** Stops the server ({@code pg_ctl stop -m fast}) and deletes the cluster's directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopAndDelete();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs (harmlessly) anyway
        }
    }

    private void prepareDirectories() {
        try {
            Files.createDirectory(dataDir,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.createDirectory(socketDir,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            if (asRoot) {
                UserPrincipalLookupService lookup = root.getFileSystem().getUserPrincipalLookupService();
                for (Path dir : List.of(root, dataDir, socketDir)) {
                    PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
                    view.setOwner(lookup.lookupPrincipalByName(SUPERUSER));
                    view.setGroup(lookup.lookupPrincipalByGroupName(SUPERUSER));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare " + root + " for PostgreSQL"
                    + (asRoot ? " (running as root: is there a postgres user?)" : ""), e);
        }
    }

    /** Starts the server on a free port, picking another one if somebody took it in the meantime. */
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

    private void psql(String sql) {
        run("psql", "-qX", "-v", "ON_ERROR_STOP=1", "-h", socketDir.toString(), "-p", String.valueOf(port),
                "-U", SUPERUSER, "-d", "postgres", "-c", sql);
    }

    /** Runs a PostgreSQL program and returns its standard output; throws, with its stderr, unless it exits 0. */
    private String run(String program, String... arguments) {
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
            // Files, not pipes: the postmaster that pg_ctl leaves behind would hold a pipe open.
            out = Files.createTempFile(root, "out-", ".txt");
            err = Files.createTempFile(root, "err-", ".txt");
            ProcessBuilder builder = new ProcessBuilder(full).directory(root.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
            Process process = builder.start();
            if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
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
                execute(List.of("pg_ctl", "-D", dataDir.toString(), "-m", "fast", "-w", "-t", "30", "stop"));
            }
        } catch (RuntimeException e) {
            System.err.println("postgres: could not stop the cluster in " + root + ": " + e.getMessage());
        }
        deleteTree(root);
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

    private static Optional<Path> binDirectory() {
        String override = System.getenv(BIN_ENV);
        if (override != null && !override.isEmpty()) {
            return Optional.of(Path.of(override)).filter(Postgres::hasBinaries);
        }
        Path versions = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(versions)) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(versions)) {
            return entries.map(version -> version.resolve("bin"))
                    .filter(Postgres::hasBinaries)
                    .max(Comparator.comparingInt(b -> majorVersion(b.getParent().getFileName().toString())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean hasBinaries(Path bin) {
        return BINARIES.stream().allMatch(name -> Files.isExecutable(bin.resolve(name)));
    }

    private static int majorVersion(String directoryName) {
        try {
            return Integer.parseInt(directoryName.split("\\.")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static boolean runningAsRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static String runuser() {
        return Stream.of("/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser")
                .filter(candidate -> Files.isExecutable(Path.of(candidate)))
                .findFirst().orElse("runuser");
    }

    /** A TCP port free on 127.0.0.1 at the time of the call. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("could not find a free TCP port", e);
        }
    }

    /** Deletes a directory and everything in it, as far as possible. */
    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(Postgres::deleteQuietly);
        } catch (IOException | UncheckedIOException e) {
            // best effort: it is under java.io.tmpdir
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

    private record Result(List<String> command, int exitCode, String stdout, String stderr) {

        String describe() {
            return command.get(0) + " failed (exit " + exitCode + "): " + String.join(" ", command)
                    + (stderr.isBlank() ? "" : "\n" + stderr.strip());
        }
    }
}
