package io.otpgate.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.otpgate.postgres.ThrowawayPostgres.Database;

class PostgresTestClusterTest {

    @BeforeEach
    void requirePostgres() {
        PostgresTestCluster.assumeAvailable();
    }

    @Test
    void newDatabaseWhenCalledTwiceThenDistinctEmptyDatabasesOwnedByTheirOwnRoles() throws Exception {
        Database first = PostgresTestCluster.newDatabase();
        Database second = PostgresTestCluster.newDatabase();

        assertThat(first.name()).isNotEqualTo(second.name());
        assertThat(first.jdbcUrl()).startsWith("jdbc:postgresql://127.0.0.1:").endsWith("/" + first.name());
        try (Connection connection = connect(second); Statement statement = connection.createStatement()) {
            try (ResultSet tables = statement.executeQuery(
                    "select count(*) from information_schema.tables where table_schema = 'public'")) {
                assertThat(tables.next()).isTrue();
                assertThat(tables.getInt(1)).as("tables in a fresh database").isZero();
            }
            try (ResultSet owner = statement.executeQuery("select current_user, pg_get_userbyid(datdba)"
                    + " from pg_database where datname = current_database()")) {
                assertThat(owner.next()).isTrue();
                assertThat(owner.getString(1)).isEqualTo(second.username());
                assertThat(owner.getString(2)).isEqualTo(second.username());
            }
        }
    }

    @Test
    void pgDumpWhenRowInsertedThenDumpContainsIt() throws Exception {
        Database db = PostgresTestCluster.newDatabase();
        String marker = "marker-" + System.nanoTime();

        try (Connection connection = connect(db)) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("create table sample (id int primary key, note text not null)");
            }
            try (PreparedStatement insert = connection.prepareStatement("insert into sample values (1, ?)")) {
                insert.setString(1, marker);
                insert.executeUpdate();
            }
            try (Statement statement = connection.createStatement();
                    ResultSet listen = statement.executeQuery("show listen_addresses")) {
                assertThat(listen.next()).isTrue();
                assertThat(listen.getString(1)).isEqualTo("127.0.0.1");
            }
        }

        assertThat(PostgresTestCluster.pgDump(db)).contains("INSERT INTO public.sample VALUES (1, '" + marker + "');");
    }

    private static Connection connect(Database db) throws Exception {
        return DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
    }
}
