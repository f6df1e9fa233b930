package io.otpgate.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import io.otpgate.postgres.ThrowawayPostgres.Database;

/**
 * The server's migration V8 makes the admin sessions' tables as Spring Session JDBC's own script for the database
 * would (the one {@code spring.session.jdbc.initialize-schema} runs, left off here): the same tables, columns, types,
 * nullability and indexes, on H2 in PostgreSQL mode and on PostgreSQL.
 */
class SpringSessionSchemaTest {

    @Test
    void migrationWhenOnH2ThenTheTablesOfSpringSessionsScript() throws Exception {
        String flyway = h2Url();
        Flyway.configure().dataSource(flyway, "sa", "").load().migrate();
        String script = h2Url();
        run(script, "sa", "", "schema-h2.sql");

        assertThat(sessionColumns(flyway, "sa", "")).hasSize(10).isEqualTo(sessionColumns(script, "sa", ""));
        assertThat(sessionIndexes(flyway, "sa", "")).isEqualTo(sessionIndexes(script, "sa", ""));
    }

    @Test
    void migrationWhenOnPostgresThenTheTablesOfSpringSessionsScript() throws Exception {
        PostgresTestCluster.assumeAvailable();
        Database flyway = PostgresTestCluster.newDatabase();
        Flyway.configure().dataSource(flyway.jdbcUrl(), flyway.username(), flyway.password()).load().migrate();
        Database script = PostgresTestCluster.newDatabase();
        run(script.jdbcUrl(), script.username(), script.password(), "schema-postgresql.sql");

        assertThat(sessionColumns(flyway.jdbcUrl(), flyway.username(), flyway.password())).hasSize(10)
                .isEqualTo(sessionColumns(script.jdbcUrl(), script.username(), script.password()));
        assertThat(sessionIndexes(flyway.jdbcUrl(), flyway.username(), flyway.password()))
                .isEqualTo(sessionIndexes(script.jdbcUrl(), script.username(), script.password()));
    }

    private static String h2Url() {
        return "jdbc:h2:mem:s" + UUID.randomUUID().toString().replace("-", "")
                + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
    }

    /** Runs Spring Session JDBC's own script (from its jar), statement by statement. */
    private static void run(String url, String user, String password, String name) throws SQLException, IOException {
        String sql;
        try (InputStream in = org.springframework.session.jdbc.JdbcIndexedSessionRepository.class
                .getResourceAsStream(name)) {
            sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try (Connection db = DriverManager.getConnection(url, user, password); Statement statement = db.createStatement()) {
            for (String part : sql.split(";")) {
                if (!part.isBlank()) {
                    statement.execute(part);
                }
            }
        }
    }

    /** Every column of the session tables, as {@code table.column type length nullable}. */
    private static List<String> sessionColumns(String url, String user, String password) throws SQLException {
        return rows(url, user, password, """
                select lower(table_name), lower(column_name), data_type, character_maximum_length, is_nullable
                from information_schema.columns where lower(table_name) like 'spring\\_session%'
                order by 1, 2""");
    }

    /** The session tables' indexes and the columns each covers. */
    private static List<String> sessionIndexes(String url, String user, String password) throws SQLException {
        boolean h2 = url.startsWith("jdbc:h2:");
        return rows(url, user, password, h2 ? """
                select lower(i.table_name), lower(c.column_name), i.index_type_name
                from information_schema.indexes i join information_schema.index_columns c
                  on c.index_name = i.index_name and c.table_name = i.table_name
                where lower(i.table_name) like 'spring\\_session%' order by 1, 2, 3""" : """
                select tablename, indexdef from pg_indexes where tablename like 'spring\\_session%'
                order by 1, 2""").stream().map(String::toLowerCase).toList();
    }

    private static List<String> rows(String url, String user, String password, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection db = DriverManager.getConnection(url, user, password); Statement query = db.createStatement();
                ResultSet result = query.executeQuery(sql)) {
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    row.append(i > 1 ? " " : "").append(result.getString(i));
                }
                rows.add(row.toString());
            }
        }
        return rows;
    }
}
