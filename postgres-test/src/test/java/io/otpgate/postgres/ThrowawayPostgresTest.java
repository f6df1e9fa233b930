package io.otpgate.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.otpgate.postgres.ThrowawayPostgres.Database;

/** Starts real clusters: skipped without Debian's PostgreSQL programs on a developer's machine, failed in CI. */
class ThrowawayPostgresTest {

    @BeforeEach
    void requirePostgres() {
        Assumptions.assumeTrue(ThrowawayPostgres.availableOrThrowInCi(), ThrowawayPostgres::unavailableReason);
    }

    @Test
    void startWhenTwoDatabasesCreatedThenEachIsEmptyOwnedByItsRoleAndCloseDeletesAll() throws Exception {
        Database first;
        Path directory;
        try (ThrowawayPostgres postgres = ThrowawayPostgres.start()) {
            directory = postgres.directory();
            first = postgres.newDatabase();
            Database second = postgres.newDatabase();

            assertThat(first.name()).isNotEqualTo(second.name());
            assertThat(first.username()).isEqualTo(first.name());
            assertThat(first.jdbcUrl())
                    .isEqualTo("jdbc:postgresql://127.0.0.1:" + postgres.port() + "/" + first.name());
            assertThat(first.toString()).doesNotContain(first.password());
            assertThat(postgres.serverLog()).isRegularFile();
            try (Connection connection = first.connect(); Statement statement = connection.createStatement()) {
                assertThat(single(statement, "select count(*) from information_schema.tables"
                        + " where table_schema = 'public'")).isEqualTo("0");
                assertThat(single(statement, "select current_user")).isEqualTo(first.username());
                assertThat(single(statement, "select pg_get_userbyid(datdba) from pg_database"
                        + " where datname = current_database()")).isEqualTo(first.username());
                assertThat(single(statement, "show listen_addresses")).isEqualTo("127.0.0.1");
                assertThat(single(statement, "show fsync")).isEqualTo("off");
                assertThat(single(statement, "show max_connections")).isEqualTo("200");
                statement.execute("create table sample (id int primary key, note text not null)");
                try (PreparedStatement insert = connection.prepareStatement("insert into sample values (1, ?)")) {
                    insert.setString(1, "marker-1");
                    insert.executeUpdate();
                }
            }
            try (Connection connection = second.connect(); Statement statement = connection.createStatement()) {
                assertThat(single(statement, "select count(*) from information_schema.tables"
                        + " where table_schema = 'public'")).as("tables in the other database").isEqualTo("0");
            }
            assertThatThrownBy(() -> DriverManager.getConnection(first.jdbcUrl(), first.username(), "wrong"))
                    .as("TCP connections need the role's password").isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> DriverManager.getConnection(first.jdbcUrl(), "postgres", ""))
                    .as("the superuser is reachable through the socket only").isInstanceOf(SQLException.class);

            assertThat(postgres.dump(first, "--data-only", "--inserts"))
                    .contains("INSERT INTO public.sample VALUES (1, 'marker-1');")
                    .doesNotContain("CREATE TABLE");
            assertThat(postgres.dump(first, "--inserts", "--no-owner")).contains("CREATE TABLE public.sample");
            assertThat(postgres.psql("select datname from pg_database where datname in ('" + first.name() + "', '"
                    + second.name() + "') order by datname").lines().toList())
                    .containsExactlyInAnyOrder(first.name(), second.name());
            assertThat(postgres.psql(first.name(), "select note from sample").strip()).isEqualTo("marker-1");
            assertThatThrownBy(() -> postgres.newDatabase(first.name())).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> postgres.newDatabase("Bad-Name")).isInstanceOf(IllegalArgumentException.class);
        }

        assertThat(directory).doesNotExist();
        assertThatThrownBy(first::connect).as("the server is stopped").isInstanceOf(SQLException.class);
    }

    @Test
    void sharedWhenCalledTwiceThenSameRunningClusterThatMayNotBeClosed() throws Exception {
        ThrowawayPostgres shared = ThrowawayPostgres.shared();

        assertThat(ThrowawayPostgres.shared()).isSameAs(shared);
        assertThatThrownBy(shared::close).isInstanceOf(IllegalStateException.class);
        try (Connection connection = shared.newDatabase().connect();
                Statement statement = connection.createStatement()) {
            assertThat(single(statement, "select 1")).isEqualTo("1");
        }
    }

    @Test
    void mainWhenStartedThenShellReadsItsOutputAndStopDeletesTheDirectory() throws Exception {
        // Enterable by all: as root the cluster belongs to the postgres user, which must reach it.
        Path parent = Files.createTempDirectory("throwaway-postgres-test-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        Path directory = parent.resolve("cluster");
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = ThrowawayPostgres.run(new String[] {"start", directory.toString(), "--durable",
                    "--setting", "max_connections=50", "--database", "bench"}, print(out), print(err));

            assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
            Map<String, String> values = parse(out.toString(StandardCharsets.UTF_8));
            assertThat(values).containsKeys("PG_ROOT", "PG_HOST", "PG_PORT", "PG_BIN", "PG_VERSION", "PG_LOG",
                    "PG_SOCKET_DIR", "PG_DATABASE", "PG_USER", "PG_PASSWORD", "PG_URL");
            assertThat(values.get("PG_ROOT")).isEqualTo(directory.toString());
            assertThat(values.get("PG_DATABASE")).isEqualTo("bench");
            assertThat(values.get("PG_URL"))
                    .isEqualTo("jdbc:postgresql://127.0.0.1:" + values.get("PG_PORT") + "/bench");
            assertThat(values.get("PG_VERSION")).matches("\\d+(\\.\\d+)*");
            assertThat(Path.of(values.get("PG_LOG"))).isRegularFile();
            try (Connection connection = DriverManager.getConnection(values.get("PG_URL"), values.get("PG_USER"),
                    values.get("PG_PASSWORD")); Statement statement = connection.createStatement()) {
                assertThat(single(statement, "show fsync")).isEqualTo("on");
                assertThat(single(statement, "show max_connections")).isEqualTo("50");
            }
            Path script = parent.resolve("pg.env");
            Files.write(script, out.toByteArray());
            assertThat(bash("eval \"$(cat '" + script + "')\"; echo \"$PG_PORT $PG_URL\""))
                    .isEqualTo(values.get("PG_PORT") + " " + values.get("PG_URL"));

            assertThat(ThrowawayPostgres.run(new String[] {"stop", directory.toString()}, print(out), print(err)))
                    .as(err.toString(StandardCharsets.UTF_8)).isZero();
            assertThat(directory).doesNotExist();
            assertThat(ThrowawayPostgres.run(new String[] {"stop", directory.toString()}, print(out), print(err)))
                    .as("stopping again: nothing to do").isZero();
        } finally {
            ThrowawayPostgres.stop(directory);
            deleteTree(parent);
        }
    }

    private static String single(Statement statement, String sql) throws SQLException {
        try (ResultSet rows = statement.executeQuery(sql)) {
            assertThat(rows.next()).as(sql).isTrue();
            return rows.getString(1);
        }
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    /** KEY='VALUE' lines, as a POSIX shell would read them. */
    private static Map<String, String> parse(String output) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : output.lines().toList()) {
            int equals = line.indexOf('=');
            String quoted = line.substring(equals + 1);
            assertThat(quoted).as(line.substring(0, equals)).startsWith("'").endsWith("'");
            values.put(line.substring(0, equals), quoted.substring(1, quoted.length() - 1).replace("'\\''", "'"));
        }
        return values;
    }

    private static String bash(String script) throws Exception {
        Process process = new ProcessBuilder(List.of("bash", "-c", script)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    private static void deleteTree(Path root) throws Exception {
        if (Files.exists(root)) {
            try (Stream<Path> paths = Files.walk(root)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }
}
