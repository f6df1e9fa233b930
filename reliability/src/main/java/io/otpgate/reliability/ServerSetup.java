package io.otpgate.reliability;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.otpgate.postgres.ThrowawayPostgres;

/**
 * What every server process of a run shares: the server jar, the JDK that runs it, the database (PostgreSQL, or the
 * embedded H2 in one data directory), one key ring that seals secrets at rest ({@code OTPGATE_SECRETS_KEYS}), one
 * token signing key ({@code otpgate.token.secret}), one metrics token ({@code otpgate.metrics.token}), and extra
 * properties. The keys and the token are random, made here, and reach the processes through their environment, never
 * their command line. Each process gets a directory of its
 * own under the run's work directory (its Tomcat access log; on H2 the database is shared) and a log file
 * {@code WORK/NAME.log}.
 *
 * <p>The jar is the system property {@code otpgate.server.jar}, else {@code server/target/otpgate-server.jar} under
 * the current directory or its parent. The JDK is the system property {@code otpgate.server.java} (a java program),
 * else the environment variable {@code OTPGATE_JAVA}, else the JDK running this code. The system property
 * {@code otpgate.server.jvm-options} (else the variable {@code OTPGATE_SERVER_JVM_OPTIONS}) adds JVM options, separated
 * by spaces, to every server: the build's short forms use {@code -XX:TieredStopAtLevel=1}, which starts a server in
 * half the time on a busy 2-core machine (no C2 compiler threads competing for the cores).
 *
 * <p>Configure (properties, JVM options) before starting processes; then it is safe to use from several threads.
 */
public final class ServerSetup {

    /** How long a server may take to answer UP, by default. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    /** How long a management command may run. */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(300);

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern INSTANCE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,40}");
    private static final Pattern IMPORTED = Pattern.compile("(?m)^Imported.*$");

    /** A finished management command. Its output is the command's own, which never holds a secret. */
    public record CommandRun(String command, int exitCode, String stdout, String stderr) {

        @Override
        public String toString() {
            return command + ": exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private final Path work;
    private final ThrowawayPostgres postgres;
    private final ThrowawayPostgres.Database database;
    private final Path h2Directory;
    private final byte[] secretsKey = randomBytes(32);
    private final byte[] tokenSecret = randomBytes(32);
    private final String metricsToken = Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
    private final Map<String, String> properties = new LinkedHashMap<>();
    private final List<String> jvmOptions = new ArrayList<>();
    private final Path jar;
    private final String java;

    private ServerSetup(Path work, ThrowawayPostgres postgres, ThrowawayPostgres.Database database) {
        this.work = createPrivateDirectory(work);
        this.postgres = postgres;
        this.database = database;
        this.h2Directory = database == null ? createPrivateDirectory(work.resolve("h2")) : null;
        this.jar = locateJar();
        this.java = locateJava();
        String options = System.getProperty("otpgate.server.jvm-options");
        if (options == null || options.isBlank()) {
            options = System.getenv("OTPGATE_SERVER_JVM_OPTIONS");
        }
        if (options != null && !options.isBlank()) {
            jvmOptions.addAll(List.of(options.trim().split("\\s+")));
        }
    }

    /**
     * Servers on a PostgreSQL database.
     *
     * @param work the run's directory: logs and each process's own directory (created, owner-only)
     */
    public static ServerSetup onPostgres(ThrowawayPostgres postgres, ThrowawayPostgres.Database database,
            Path work) {
        if (postgres == null || database == null) {
            throw new IllegalArgumentException("postgres and database are required");
        }
        return new ServerSetup(work, postgres, database);
    }

    /**
     * Servers on the embedded H2 database in {@code WORK/h2} (the server's {@code otpgate.data-dir}); several
     * processes share it through H2's AUTO_SERVER mode, as the server's default URL allows.
     */
    public static ServerSetup onH2(Path work) {
        return new ServerSetup(work, null, null);
    }

    /** Adds or replaces a property, passed as {@code --name=value} to every server started afterwards. */
    public ServerSetup property(String name, String value) {
        if (name.startsWith("server.port")) {
            throw new IllegalArgumentException("server.port is chosen per process");
        }
        properties.put(name, value);
        return this;
    }

    /** Adds a JVM option (such as {@code -Xmx512m}) for servers started afterwards. */
    public ServerSetup jvmOption(String option) {
        jvmOptions.add(option);
        return this;
    }

    public Path work() {
        return work;
    }

    public Path jar() {
        return jar;
    }

    public String java() {
        return java;
    }

    /** The java program and the JVM options servers start with, for reports. */
    public String jvm() {
        return jvmOptions.isEmpty() ? java : java + " " + String.join(" ", jvmOptions);
    }

    /** Whether the database is PostgreSQL (else H2). */
    public boolean onPostgres() {
        return database != null;
    }

    /** The HS256 key every server signs tokens with (a copy: for checks that it appears nowhere). */
    public byte[] tokenSecret() {
        return tokenSecret.clone();
    }

    /** The bearer token every server's {@code /actuator/prometheus} asks for ({@code otpgate.metrics.token}). */
    public String metricsToken() {
        return metricsToken;
    }

    /** The AES-256 key (id 1) that seals secrets at rest (a copy: for checks that it appears nowhere). */
    public byte[] secretsKey() {
        return secretsKey.clone();
    }

    /**
     * Starts a server on a free loopback port and waits until it answers UP.
     *
     * @param name letters, digits, '-' and '_': names its log file and directory
     * @throws IllegalStateException if it stops or is not UP within {@link #START_TIMEOUT} (with its log's tail)
     */
    public ServerProcess start(String name) {
        return startAll(name).get(0);
    }

    /** Starts several servers at once (faster than one after the other) and waits until each answers UP. */
    public List<ServerProcess> startAll(String... names) {
        List<ServerProcess> servers = new ArrayList<>();
        for (String name : names) {
            if (!INSTANCE_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("server name must match " + INSTANCE_NAME + ", got \"" + name + "\"");
            }
            ServerProcess server = new ServerProcess(this, name, freePort(), work.resolve(name + ".log"));
            server.launch();
            servers.add(server);
        }
        try {
            for (ServerProcess server : servers) {
                server.awaitReady(START_TIMEOUT);
            }
        } catch (RuntimeException e) {
            servers.forEach(ServerProcess::kill);
            throw e;
        }
        return servers;
    }

    /** The command line of a server on a port. */
    List<String> serverCommand(int port) {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        command.add("--server.port=" + port);
        command.add("--server.address=127.0.0.1");
        properties.forEach((name, value) -> command.add("--" + name + "=" + value));
        return command;
    }

    /** The directory a process runs in (created), and its environment. */
    Path processDirectory(String name) {
        return createPrivateDirectory(work.resolve(name));
    }

    void environment(Map<String, String> environment, Path processDirectory) {
        environment.keySet().removeIf(key -> key.startsWith("OTPGATE_") || key.startsWith("SPRING_"));
        environment.put("OTPGATE_SECRETS_KEYS", "1:" + Base64.getEncoder().encodeToString(secretsKey));
        environment.put("OTPGATE_TOKEN_SECRET", Base64.getEncoder().encodeToString(tokenSecret));
        environment.put("OTPGATE_METRICS_TOKEN", metricsToken);
        if (database != null) {
            environment.put("SPRING_DATASOURCE_URL", database.jdbcUrl());
            environment.put("SPRING_DATASOURCE_USERNAME", database.username());
            environment.put("SPRING_DATASOURCE_PASSWORD", database.password());
            environment.put("OTPGATE_DATA_DIR", processDirectory.resolve("data").toString());
        } else {
            environment.put("OTPGATE_DATA_DIR", h2Directory.toString());
        }
    }

    /**
     * Runs a management command of the jar ({@code import-django FILE}, {@code list-devices USER}, ...) on the same
     * database, key ring and token key as the servers; it may run while they do.
     */
    public CommandRun command(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(java);
        // A command runs once and briefly: the C1 compiler alone starts it sooner (as ./otpgate does).
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(arguments));
        Path directory = processDirectory("command");
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile(directory, "out-", ".txt");
            err = Files.createTempFile(directory, "err-", ".txt");
            ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            environment(builder.environment(), directory);
            Process process = builder.start();
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(String.join(" ", arguments) + " did not finish within "
                        + COMMAND_TIMEOUT.toSeconds() + " s");
            }
            return new CommandRun(String.join(" ", arguments), process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + String.join(" ", arguments), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", arguments), e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /**
     * {@code import-django FILE}, which must succeed.
     *
     * @return the command's summary line ({@code Imported N users, ...})
     * @throws IllegalStateException if it exits non-zero (with its output, which names no secret)
     */
    public String importDjango(Path dump) {
        CommandRun run = command("import-django", dump.toAbsolutePath().toString());
        Matcher imported = IMPORTED.matcher(run.stdout());
        if (run.exitCode() != 0 || !imported.find()) {
            throw new IllegalStateException("import-django failed: " + run);
        }
        return imported.group();
    }

    /**
     * A JDBC connection to the servers' database; the caller closes it. On H2 it uses the server's URL (with
     * AUTO_SERVER), so it works beside a running server too.
     */
    public Connection connect() throws SQLException {
        if (database != null) {
            return database.connect();
        }
        return DriverManager.getConnection("jdbc:h2:file:" + h2Directory.resolve("otpgate")
                + ";AUTO_SERVER=TRUE;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH", "sa", "");
    }

    /**
     * The whole database as text: {@code pg_dump --inserts} on PostgreSQL, H2's {@code SCRIPT TO} (schema and
     * data) on H2.
     */
    public String dump() {
        if (database != null) {
            return postgres.dump(database, "--inserts", "--no-owner");
        }
        Path script = work.resolve("h2-script.sql");
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("SCRIPT TO '" + script.toString().replace("'", "''") + "'");
            return Files.readString(script, StandardCharsets.UTF_8);
        } catch (SQLException e) {
            throw new IllegalStateException("H2 SCRIPT TO failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(script);
        }
    }

    private static Path locateJar() {
        String configured = System.getProperty("otpgate.server.jar");
        List<Path> candidates = configured != null && !configured.isEmpty() ? List.of(Path.of(configured))
                : List.of(Path.of("server/target/otpgate-server.jar"), Path.of("../server/target/otpgate-server.jar"));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("the server jar is missing (looked for " + candidates + " from "
                + Path.of("").toAbsolutePath() + "): build it with `./mvnw -pl server -am package -DskipTests`, "
                + "or run `./mvnw verify`, which packages the server before these tests, or reliability/run");
    }

    private static String locateJava() {
        String configured = System.getProperty("otpgate.server.java");
        if (configured == null || configured.isEmpty()) {
            configured = System.getenv("OTPGATE_JAVA");
        }
        if (configured != null && !configured.isEmpty()) {
            if (!Files.isExecutable(Path.of(configured))) {
                throw new IllegalStateException("the JDK for the servers is not executable: " + configured);
            }
            return configured;
        }
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Deletes a run's work directory and everything in it, as far as possible (best effort: it is under
     * {@code java.io.tmpdir}); symbolic links are deleted, not followed.
     */
    public static void deleteWork(Path work) {
        if (!Files.exists(work)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(work)) {
            paths.sorted(Comparator.reverseOrder()).forEach(ServerSetup::deleteQuietly);
        } catch (IOException | UncheckedIOException e) {
            // best effort
        }
    }

    /** A TCP port free on 127.0.0.1 at the time of the call. */
    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("could not find a free TCP port", e);
        }
    }

    private static Path createPrivateDirectory(Path directory) {
        try {
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            return directory.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("could not create " + directory, e);
        }
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
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

    @Override
    public String toString() {
        return "ServerSetup[" + (database != null ? "PostgreSQL " + database.name() : "H2 in " + h2Directory)
                + ", jar " + jar + ", java " + java + "]";
    }
}
