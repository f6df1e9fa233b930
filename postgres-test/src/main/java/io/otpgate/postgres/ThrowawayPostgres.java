package io.otpgate.postgres;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL cluster started from Debian's server programs (package {@code postgresql}), for tests,
 * the reliability scenarios and the load benchmark.
 *
 * <p>{@link #start()} (or {@link #builder()}) runs {@code initdb} in a fresh directory (by default under
 * {@code java.io.tmpdir}) and starts the server listening on 127.0.0.1 only, on a free port, with its Unix socket in
 * the cluster's own owner-only directory. Local (socket) connections are trusted: that is how the superuser
 * {@value #SUPERUSER} administers it ({@link #psql(String)}, {@link #dump(Database, String...)}). TCP connections
 * need a role's password (SCRAM-SHA-256). Durability is off unless {@link Builder#durable(boolean)} asks for it:
 * {@code fsync}, {@code synchronous_commit} and {@code full_page_writes} are off, as a crash only loses test data.
 * As root every PostgreSQL program runs as the {@code postgres} user through {@code runuser} (PostgreSQL refuses to
 * run as root); the cluster's directory then belongs to that user, which must be able to enter its parents.
 *
 * <p>The programs are those of the newest version under {@code /usr/lib/postgresql/VERSION/bin}, or of the directory
 * in the environment variable {@value #BIN_ENV}. Each {@link #newDatabase()} is an empty database owned by a role of
 * its own, with a random password. {@link #close()} stops the server ({@code pg_ctl stop -m immediate}) and deletes
 * the directory; a shutdown hook does the same if the JVM exits first, unless {@link Builder#stopOnExit(boolean)}
 * turned it off. {@link #shared()} is one cluster per JVM, started on first use.
 *
 * <p>{@link #main(String[])} serves shell scripts: {@code start DIR} prints shell assignments ({@code PG_URL=...})
 * and leaves the cluster running; {@code stop DIR} stops and deletes it.
 *
 * <p>Needs only the JDK; {@link Database#connect()} needs a PostgreSQL JDBC driver on the class path. Safe for use
 * from several threads. Passwords never appear in a command line, an exception message or
 * {@link Database#toString()}; only the command line's {@code start} prints one, for the calling script.
 */
public final class ThrowawayPostgres implements AutoCloseable {

    /**
     * An empty database, owned by a role of the same name that logs in with a random password over TCP.
     *
     * @param name the database's name, which is also its owner's
     * @param jdbcUrl {@code jdbc:postgresql://127.0.0.1:PORT/NAME}
     * @param username the owner role, allowed to create tables in the database
     * @param password the owner's password (SCRAM-SHA-256 over TCP)
     */
    public record Database(String name, String jdbcUrl, String username, String password) {

        /**
         * A new JDBC connection as the database's owner; the caller closes it.
         *
         * @throws SQLException also when no PostgreSQL JDBC driver is on the class path
         */
        public Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl, username, password);
        }

        /** Everything but the password. */
        @Override
        public String toString() {
            return "Database[" + jdbcUrl + ", user " + username + ", password PROTECTED]";
        }
    }

    /** Overrides the directory holding initdb, pg_ctl, psql and pg_dump. */
    public static final String BIN_ENV = "OTPGATE_PG_BIN";
    /** The only address the server listens on. */
    public static final String HOST = "127.0.0.1";
    /** The superuser, reachable through the Unix socket only. */
    public static final String SUPERUSER = "postgres";

    /** In a cluster's directory: the programs' directory and the port, for {@link #stop(Path)}. */
    static final String MARKER = "throwaway-postgres.properties";

    private static final List<String> BINARIES = List.of("initdb", "pg_ctl", "psql", "pg_dump");
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,40}");
    private static final Pattern SETTING_NAME = Pattern.compile("[a-z_][a-z0-9_.]*");
    /** Characters that would break pg_ctl's {@code /bin/sh -c} command line, quoted or not. */
    private static final Pattern SHELL_UNSAFE = Pattern.compile("['\"$`\\\\\\p{Cntrl}]");
    private static final Set<String> RESERVED_SETTINGS = Set.of("port", "listen_addresses", "unix_socket_directories");
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\S+)");
    private static final long PROCESS_TIMEOUT_SECONDS = 120;
    private static final int PORT_ATTEMPTS = 5;
    private static final SecureRandom RANDOM = new SecureRandom();

    private static ThrowawayPostgres shared;
    private static RuntimeException sharedFailure;

    private final Path bin;
    private final Path root;
    private final Path dataDir;
    private final Path socketDir;
    private final Path logFile;
    private final boolean asRoot;
    private final Map<String, String> settings;
    private final Thread shutdownHook;
    private final AtomicInteger databases = new AtomicInteger();
    private volatile int port;
    private boolean closed;
    private volatile boolean isShared;

    private ThrowawayPostgres(Path bin, Path root, Map<String, String> settings, boolean stopOnExit) {
        this.bin = bin;
        this.root = root;
        this.dataDir = root.resolve("data");
        this.socketDir = root.resolve("sock");
        this.logFile = root.resolve("server.log");
        this.asRoot = runningAsRoot();
        this.settings = settings;
        this.shutdownHook = stopOnExit ? new Thread(this::stopAndDeleteQuietly, "throwaway-postgres-stop") : null;
    }

    // --- starting -------------------------------------------------------------------------------------------------

    /**
     * How a cluster starts: its directory, durability, server settings, and whether it stops with the JVM. Not
     * thread-safe; each {@link #start()} makes a new cluster.
     */
    public static final class Builder {

        private Path directory;
        private boolean durable;
        private boolean stopOnExit = true;
        private final Map<String, String> settings = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * The cluster's directory (data, socket, server log), created if missing; it must be empty. By default a new
         * directory {@code otpgate-pg-*} under {@code java.io.tmpdir}. Either way {@link #close()} deletes it.
         *
         * @throws IllegalArgumentException if the path holds a quote, {@code $}, a backquote or a backslash
         */
        public Builder directory(Path directory) {
            this.directory = checkShellSafe(directory.toAbsolutePath().normalize());
            return this;
        }

        /** With {@code true}, PostgreSQL's own durability defaults ({@code fsync} and the rest on); default off. */
        public Builder durable(boolean durable) {
            this.durable = durable;
            return this;
        }

        /**
         * A server setting ({@code postgres -c NAME=VALUE}), replacing a default ({@code max_connections=200},
         * {@code password_encryption=scram-sha-256}, and the durability settings).
         *
         * @throws IllegalArgumentException for port, listen_addresses or unix_socket_directories (fixed here), a
         *         name that is not lower-case letters, digits, dots and underscores, or a value with a quote,
         *         {@code $}, a backquote, a backslash or a control character
         */
        public Builder setting(String name, String value) {
            if (!SETTING_NAME.matcher(name).matches() || RESERVED_SETTINGS.contains(name)) {
                throw new IllegalArgumentException("not a setting this cluster accepts: \"" + name + "\"");
            }
            if (SHELL_UNSAFE.matcher(value).find()) {
                throw new IllegalArgumentException("the value of " + name
                        + " may not hold quotes, $, backquotes, backslashes or control characters");
            }
            settings.put(name, value);
            return this;
        }

        /**
         * With {@code true} (the default) a shutdown hook stops the cluster and deletes its directory when the JVM
         * exits; with {@code false} it outlives the JVM until {@link ThrowawayPostgres#stop(Path)} or
         * {@link ThrowawayPostgres#close()}.
         */
        public Builder stopOnExit(boolean stopOnExit) {
            this.stopOnExit = stopOnExit;
            return this;
        }

        /**
         * Creates and starts the cluster; takes a few seconds. On failure nothing is left running and the directory
         * is deleted.
         *
         * @throws IllegalStateException if the programs are missing ({@link #unavailableReason()}) or a step fails
         *         (with its output and the server log)
         * @throws UncheckedIOException if the directory cannot be made or is not empty
         */
        public ThrowawayPostgres start() {
            Path bin = findBinDirectory().orElseThrow(() -> new IllegalStateException(unavailableReason()));
            Map<String, String> all = new LinkedHashMap<>();
            all.put("max_connections", "200");
            all.put("password_encryption", "scram-sha-256");
            if (!durable) {
                all.put("fsync", "off");
                all.put("synchronous_commit", "off");
                all.put("full_page_writes", "off");
            }
            all.putAll(settings);
            Path root = directory != null ? prepareGivenDirectory(directory) : newTemporaryDirectory();
            ThrowawayPostgres postgres = new ThrowawayPostgres(bin, root, Map.copyOf(all), stopOnExit);
            if (postgres.shutdownHook != null) {
                Runtime.getRuntime().addShutdownHook(postgres.shutdownHook);
            }
            try {
                postgres.prepareDirectories();
                postgres.writeMarker();
                postgres.initdb();
                postgres.startServer();
                postgres.writeMarker();
                return postgres;
            } catch (RuntimeException e) {
                postgres.close();
                throw e;
            }
        }

        private static Path newTemporaryDirectory() {
            try {
                return checkShellSafe(Files.createTempDirectory("otpgate-pg-").toAbsolutePath());
            } catch (IOException e) {
                throw new UncheckedIOException("could not create a directory for PostgreSQL: " + e.getMessage(), e);
            }
        }

        private static Path prepareGivenDirectory(Path directory) {
            try {
                if (!Files.isDirectory(directory)) {
                    Files.createDirectory(directory,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                }
                try (Stream<Path> entries = Files.list(directory)) {
                    if (entries.findAny().isPresent()) {
                        throw new IOException(directory + " is not empty");
                    }
                }
                Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
                return directory;
            } catch (IOException e) {
                throw new UncheckedIOException("could not use " + directory + " for PostgreSQL: " + e.getMessage(), e);
            }
        }
    }

    /** A builder for a cluster with settings of its own; {@link #start()} takes the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a cluster with the defaults: a new directory under {@code java.io.tmpdir}, durability off, stopped and
     * deleted when the JVM exits if not {@link #close() closed} before.
     *
     * @throws IllegalStateException as {@link Builder#start()}
     */
    public static ThrowawayPostgres start() {
        return builder().start();
    }

    /**
     * The JVM's shared cluster, started with the defaults on the first call and stopped by a shutdown hook; it may
     * not be {@link #close() closed}. Each user takes its own {@link #newDatabase()}. If the start failed, every
     * later call fails too, with that failure as its cause, without trying again.
     *
     * @throws IllegalStateException as {@link Builder#start()}
     */
    public static synchronized ThrowawayPostgres shared() {
        if (shared != null) {
            return shared;
        }
        if (sharedFailure != null) {
            throw new IllegalStateException("the shared PostgreSQL cluster failed to start earlier in this JVM",
                    sharedFailure);
        }
        long started = System.nanoTime();
        try {
            ThrowawayPostgres postgres = start();
            postgres.isShared = true;
            shared = postgres;
        } catch (RuntimeException e) {
            sharedFailure = e;
            throw e;
        }
        System.err.printf(Locale.ROOT, "postgres: throw-away cluster on %s:%d (%.1f s)%n", HOST, shared.port,
                (System.nanoTime() - started) / 1e9);
        return shared;
    }

    // --- availability ---------------------------------------------------------------------------------------------

    /** Whether the PostgreSQL server programs are installed (or found in {@value #BIN_ENV}). */
    public static boolean available() {
        return findBinDirectory().isPresent();
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
     * The rule for tests that need PostgreSQL: {@code true} if the programs are there; {@code false} if they are not
     * and the environment variable {@code CI} is unset or empty (a developer's machine: the caller skips the test).
     *
     * @throws IllegalStateException if they are missing and {@code CI} is set: in CI such a test may not be skipped
     */
    public static boolean availableOrThrowInCi() {
        if (available()) {
            return true;
        }
        String ci = System.getenv("CI");
        if (ci != null && !ci.isEmpty()) {
            throw new IllegalStateException(unavailableReason() + " (.ci/run installs it); CI is set, so a test "
                    + "that needs PostgreSQL may not be skipped");
        }
        return false;
    }

    // --- using --------------------------------------------------------------------------------------------------

    /**
     * Creates an empty database with a unique name ({@code db_N_HEX}) and its owner role of the same name, with a
     * random password.
     *
     * @throws IllegalStateException if the cluster is closed or psql fails
     */
    public Database newDatabase() {
        return newDatabase("db_" + databases.incrementAndGet() + "_" + randomHex(4));
    }

    /**
     * Creates an empty database and its owner role, both named {@code name}, with a random password.
     *
     * @param name lower-case letters, digits and underscores, starting with a letter, at most 41 characters
     * @throws IllegalArgumentException if the name does not fit
     * @throws IllegalStateException if the cluster is closed, or psql fails (the name is taken, for one)
     */
    public synchronized Database newDatabase(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("database name must match " + NAME + ", got \"" + name + "\"");
        }
        String password = randomHex(16);
        // Through psql's standard input: a password on a command line is visible to every local user.
        psql("create role " + name + " login password '" + password + "';\n"
                + "create database " + name + " owner " + name + ";\n");
        return new Database(name, "jdbc:postgresql://" + HOST + ":" + port + "/" + name, name, password);
    }

    /**
     * Runs SQL as the superuser in the database {@code postgres}; see {@link #psql(String, String)}.
     */
    public String psql(String sql) {
        return psql("postgres", sql);
    }

    /**
     * Runs SQL as the superuser through {@code psql} (its standard input, one statement after another, each in its
     * own transaction, stopping at the first error) and returns what it printed: rows unaligned, without headers,
     * columns separated by {@code |}.
     *
     * @throws IllegalStateException if the cluster is closed, or a statement fails (with psql's error output)
     */
    public String psql(String database, String sql) {
        requireOpen();
        return run(sql, "psql", "-qXAt", "-v", "ON_ERROR_STOP=1", "-h", socketDir.toString(),
                "-p", String.valueOf(port), "-U", SUPERUSER, "-d", database);
    }

    /**
     * Dumps a database with {@code pg_dump} as the superuser and returns its output: plain SQL text unless the
     * options ask otherwise (for example {@code "--inserts", "--no-owner"}, or {@code "--data-only", "--inserts"}).
     *
     * @param options pg_dump options, placed before the connection options
     * @throws IllegalStateException if the cluster is closed or pg_dump fails
     */
    public String dump(Database database, String... options) {
        requireOpen();
        List<String> arguments = new ArrayList<>(List.of(options));
        arguments.addAll(List.of("-h", socketDir.toString(), "-p", String.valueOf(port), "-U", SUPERUSER,
                "-d", database.name()));
        return run(null, "pg_dump", arguments.toArray(String[]::new));
    }

    /** The TCP port on {@value #HOST}. */
    public int port() {
        return port;
    }

    /** The cluster's directory: {@code data}, {@code sock}, {@code server.log}. */
    public Path directory() {
        return root;
    }

    /** The server's log file (pg_ctl's {@code -l}). */
    public Path serverLog() {
        return logFile;
    }

    /** The directory of the Unix socket, where the superuser connects ({@code psql -h DIR -p PORT -U postgres}). */
    public Path socketDirectory() {
        return socketDir;
    }

    /** The directory of the PostgreSQL programs this cluster runs. */
    public Path binDirectory() {
        return bin;
    }

    /**
     * The server's version, as {@code pg_ctl --version} prints it ({@code 15.14}).
     *
     * @throws IllegalStateException if pg_ctl fails or prints something else
     */
    public String version() {
        String printed = run(null, "pg_ctl", "--version");
        Matcher matcher = VERSION.matcher(printed);
        if (!matcher.find()) {
            throw new IllegalStateException("unexpected output of pg_ctl --version: " + printed.strip());
        }
        return matcher.group(1);
    }

    // --- stopping -------------------------------------------------------------------------------------------------

    /**
     * Stops the server ({@code pg_ctl stop -m immediate}: nothing in it is worth a checkpoint) and deletes the
     * directory; if the server does not stop, the directory is kept and the failure printed on standard error.
     * Idempotent.
     *
     * @throws IllegalStateException on the {@link #shared()} cluster, which stops when the JVM exits
     */
    @Override
    public synchronized void close() {
        if (isShared) {
            throw new IllegalStateException("the shared PostgreSQL cluster stops when the JVM exits");
        }
        if (closed) {
            return;
        }
        closed = true;
        stopAndDeleteQuietly();
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs (harmlessly) anyway
            }
        }
    }

    /**
     * Stops a cluster left running by {@code start DIR} ({@link #main}) or {@link Builder#stopOnExit(boolean)
     * stopOnExit(false)}, and deletes its directory. Nothing to do if the directory does not exist.
     *
     * @throws IllegalStateException if the directory is not a cluster's (no {@value #MARKER}: it is left alone), or
     *         the server does not stop (the directory is kept)
     */
    public static void stop(Path directory) {
        Path root = directory.toAbsolutePath().normalize();
        if (!Files.exists(root)) {
            return;
        }
        Properties marker = new Properties();
        try (Reader reader = Files.newBufferedReader(root.resolve(MARKER), StandardCharsets.UTF_8)) {
            marker.load(reader);
        } catch (IOException e) {
            throw new IllegalStateException(root + " holds no readable " + MARKER
                    + ": not a throw-away PostgreSQL cluster's directory, left alone", e);
        }
        Path bin = Optional.ofNullable(marker.getProperty("bin")).map(Path::of)
                .orElseThrow(() -> new IllegalStateException(root.resolve(MARKER) + " names no bin directory"));
        new ThrowawayPostgres(bin, root, Map.of(), false).stopAndDelete();
    }

    // --- command line -----------------------------------------------------------------------------------------------

    /**
     * For shell scripts; exits 0 on success, 1 on failure (the reason on standard error), 2 on a usage error.
     * <ul>
     * <li>{@code start DIR [--database NAME] [--durable] [--setting NAME=VALUE]...}: starts a cluster in DIR
     * (created if missing, must be empty), creates the database NAME ({@code otpgate} by default) and its owner role
     * of the same name, prints {@code PG_ROOT PG_HOST PG_PORT PG_BIN PG_VERSION PG_LOG PG_SOCKET_DIR PG_DATABASE
     * PG_USER PG_PASSWORD PG_URL} as single-quoted shell assignments (for {@code eval}), and leaves the cluster
     * running. The output holds the role's password: capture it, do not log it.</li>
     * <li>{@code stop DIR}: stops that cluster and deletes DIR ({@link #stop(Path)}).</li>
     * <li>{@code available}: exits 0 and prints {@code PG_BIN=...} if the programs are there, else 1.</li>
     * </ul>
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** {@link #main(String[])} without the exit: returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        String usage = "usage: ThrowawayPostgres start DIR [--database NAME] [--durable] [--setting NAME=VALUE]...\n"
                + "       ThrowawayPostgres stop DIR\n"
                + "       ThrowawayPostgres available";
        if (args.length == 0) {
            err.println(usage);
            return 2;
        }
        try {
            switch (args[0]) {
                case "start":
                    return startCommand(args, out);
                case "stop":
                    if (args.length != 2) {
                        throw new IllegalArgumentException("stop takes one directory");
                    }
                    stop(Path.of(args[1]));
                    return 0;
                case "available":
                    Optional<Path> bin = findBinDirectory();
                    if (bin.isEmpty()) {
                        err.println(unavailableReason());
                        return 1;
                    }
                    out.println("PG_BIN=" + shellQuote(bin.get().toString()));
                    return 0;
                case "help":
                case "--help":
                    out.println(usage);
                    return 0;
                default:
                    throw new IllegalArgumentException("unknown command \"" + args[0] + "\"");
            }
        } catch (IllegalArgumentException e) {
            err.println("throwaway-postgres: " + e.getMessage());
            err.println(usage);
            return 2;
        } catch (RuntimeException e) {
            err.println("throwaway-postgres: " + e.getMessage());
            return 1;
        }
    }

    private static int startCommand(String[] args, PrintStream out) {
        if (args.length < 2 || args[1].startsWith("--")) {
            throw new IllegalArgumentException("start needs a directory");
        }
        Builder builder = builder().directory(Path.of(args[1])).stopOnExit(false);
        String name = "otpgate";
        for (int i = 2; i < args.length; i++) {
            switch (args[i]) {
                case "--durable":
                    builder.durable(true);
                    break;
                case "--database":
                    name = value(args, ++i, "--database");
                    if (!NAME.matcher(name).matches()) {
                        throw new IllegalArgumentException("database name must match " + NAME);
                    }
                    break;
                case "--setting":
                    String setting = value(args, ++i, "--setting");
                    int equals = setting.indexOf('=');
                    if (equals <= 0) {
                        throw new IllegalArgumentException("--setting takes NAME=VALUE, got \"" + setting + "\"");
                    }
                    builder.setting(setting.substring(0, equals), setting.substring(equals + 1));
                    break;
                default:
                    throw new IllegalArgumentException("unknown option \"" + args[i] + "\"");
            }
        }
        ThrowawayPostgres postgres = builder.start();
        try {
            Database database = postgres.newDatabase(name);
            Map<String, String> lines = new LinkedHashMap<>();
            lines.put("PG_ROOT", postgres.directory().toString());
            lines.put("PG_HOST", HOST);
            lines.put("PG_PORT", String.valueOf(postgres.port()));
            lines.put("PG_BIN", postgres.binDirectory().toString());
            lines.put("PG_VERSION", postgres.version());
            lines.put("PG_LOG", postgres.serverLog().toString());
            lines.put("PG_SOCKET_DIR", postgres.socketDirectory().toString());
            lines.put("PG_DATABASE", database.name());
            lines.put("PG_USER", database.username());
            lines.put("PG_PASSWORD", database.password());
            lines.put("PG_URL", database.jdbcUrl());
            lines.forEach((key, value) -> out.println(key + "=" + shellQuote(value)));
            out.flush();
            return 0;
        } catch (RuntimeException e) {
            postgres.close();
            throw e;
        }
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }

    /** A single-quoted shell word: {@code it's} becomes {@code 'it'\''s'}. */
    static String shellQuote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }

    // --- internals --------------------------------------------------------------------------------------------------

    private synchronized void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this PostgreSQL cluster is closed");
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
                UserPrincipal user = lookup.lookupPrincipalByName(SUPERUSER);
                GroupPrincipal group = lookup.lookupPrincipalByGroupName(SUPERUSER);
                for (Path dir : List.of(root, dataDir, socketDir)) {
                    PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
                    view.setOwner(user);
                    view.setGroup(group);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare " + root + " for PostgreSQL: " + e.getMessage()
                    + (asRoot ? " (running as root: is there a postgres user?)" : ""), e);
        }
    }

    private void writeMarker() {
        Properties marker = new Properties();
        marker.setProperty("bin", bin.toString());
        marker.setProperty("port", String.valueOf(port));
        try (Writer writer = Files.newBufferedWriter(root.resolve(MARKER), StandardCharsets.UTF_8)) {
            marker.store(writer, "a throw-away PostgreSQL cluster (io.otpgate.postgres.ThrowawayPostgres)");
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + root.resolve(MARKER) + ": " + e.getMessage(), e);
        }
    }

    private void initdb() {
        try {
            run(null, "initdb", "-D", dataDir.toString(), "-U", SUPERUSER, "--auth-local=trust",
                    "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
        } catch (IllegalStateException e) {
            if (asRoot && e.getMessage().contains("Permission denied")) {
                throw new IllegalStateException(e.getMessage() + "\n(as root PostgreSQL runs as the postgres user,"
                        + " which must be able to enter every parent directory of " + root + ")", e);
            }
            throw e;
        }
    }

    /** Starts the server on a free port, picking another one if somebody took it in the meantime. */
    private void startServer() {
        for (int attempt = 1; ; attempt++) {
            port = freePort();
            StringBuilder options = new StringBuilder("-p " + port + " -k '" + socketDir + "'")
                    .append(" -c listen_addresses=").append(HOST);
            settings.forEach((name, value) -> options.append(" -c '").append(name).append('=').append(value)
                    .append('\''));
            long logOffset = logSize();
            Result result = execute(List.of("pg_ctl", "-D", dataDir.toString(), "-l", logFile.toString(),
                    "-w", "-t", "60", "-o", options.toString(), "start"), null);
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

    private void stopAndDeleteQuietly() {
        try {
            stopAndDelete();
        } catch (RuntimeException e) {
            System.err.println("postgres: " + e.getMessage());
        }
    }

    private void stopAndDelete() {
        if (Files.exists(dataDir.resolve("postmaster.pid"))) {
            Result result = execute(List.of("pg_ctl", "-D", dataDir.toString(), "-m", "immediate", "-w", "-t", "30",
                    "stop"), null);
            if (result.exitCode() != 0 && Files.exists(dataDir.resolve("postmaster.pid"))) {
                throw new IllegalStateException("could not stop the PostgreSQL cluster in " + root + " (kept): "
                        + result.describe());
            }
        }
        deleteTree(root);
    }

    /** Runs a PostgreSQL program and returns its standard output; throws, with its stderr, unless it exits 0. */
    private String run(String stdin, String program, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(program);
        command.addAll(List.of(arguments));
        Result result = execute(command, stdin);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(result.describe());
        }
        return result.stdout();
    }

    /** Runs a program of the bin directory (as {@code postgres} when root), standard input from {@code stdin}. */
    private Result execute(List<String> command, String stdin) {
        List<String> full = new ArrayList<>();
        if (asRoot) {
            full.addAll(List.of(runuser(), "-u", SUPERUSER, "--"));
        }
        full.add(bin.resolve(command.get(0)).toString());
        full.addAll(command.subList(1, command.size()));
        Path in = null;
        Path out = null;
        Path err = null;
        try {
            // Files, not pipes: the postmaster that pg_ctl leaves behind would hold a pipe open. In the cluster's
            // owner-only directory, as the input may hold a password; created owner-only by the JDK.
            if (stdin != null) {
                in = Files.createTempFile(root, "in-", ".sql");
                Files.writeString(in, stdin, StandardCharsets.UTF_8);
            }
            out = Files.createTempFile(root, "out-", ".txt");
            err = Files.createTempFile(root, "err-", ".txt");
            ProcessBuilder builder = new ProcessBuilder(full).directory(root.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(in != null ? in.toFile() : new File("/dev/null")))
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
            deleteQuietly(in);
            deleteQuietly(out);
            deleteQuietly(err);
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

    private static Optional<Path> findBinDirectory() {
        String override = System.getenv(BIN_ENV);
        if (override != null && !override.isEmpty()) {
            return Optional.of(Path.of(override).toAbsolutePath()).filter(ThrowawayPostgres::hasBinaries);
        }
        Path versions = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(versions)) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(versions)) {
            return entries.map(version -> version.resolve("bin"))
                    .filter(ThrowawayPostgres::hasBinaries)
                    .max(Comparator.comparing(bin -> bin.getParent().getFileName().toString(),
                            ThrowawayPostgres::compareVersions));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean hasBinaries(Path bin) {
        return BINARIES.stream().allMatch(name -> Files.isExecutable(bin.resolve(name)));
    }

    /** Numeric comparison of dotted versions ("9.6" &lt; "15" &lt; "16"); non-numeric parts compare as 0. */
    static int compareVersions(String a, String b) {
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

    private static Path checkShellSafe(Path path) {
        if (SHELL_UNSAFE.matcher(path.toString()).find()) {
            throw new IllegalArgumentException("a PostgreSQL cluster's directory may not hold quotes, $, backquotes,"
                    + " backslashes or control characters (pg_ctl passes it through /bin/sh): " + path);
        }
        return path;
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
    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("could not find a free TCP port", e);
        }
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** Deletes a directory and everything in it, as far as possible, without following symbolic links. */
    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(ThrowawayPostgres::deleteQuietly);
        } catch (IOException | UncheckedIOException e) {
            // best effort
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
