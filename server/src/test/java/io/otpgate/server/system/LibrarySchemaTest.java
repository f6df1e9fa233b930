package io.otpgate.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

import io.otpgate.spring.system.OtpgateSchema;

/**
 * The library's own migration (what an application that adds otpgate gets) and the server's migrations (which built
 * the same tables step by step, from an earlier release's) leave the same otpgate tables: names, columns, types and
 * nullability. And the server's database adopts the library's history at version 1, then takes the later versions.
 */
class LibrarySchemaTest {

    @Test
    void schemaWhenLibraryAloneOrServerMigrationsThenSameOtpgateTables() throws SQLException {
        JdbcDataSource library = h2();
        OtpgateSchema.migrate(library, false);
        JdbcDataSource server = h2();
        Flyway.configure().dataSource(server).load().migrate();
        OtpgateSchema.migrate(server, true);

        List<String> libraryColumns = otpgateColumns(library);
        assertThat(libraryColumns).hasSizeGreaterThan(50);
        assertThat(otpgateColumns(server)).isEqualTo(libraryColumns);
        // The server adopts version 1 (its own migrations made those tables) and applies the library's later ones.
        assertThat(versions(server)).containsExactly("1", "2", "3", "4");
        assertThat(versions(library)).containsExactly("1", "2", "3", "4");
    }

    private static JdbcDataSource h2() {
        JdbcDataSource source = new JdbcDataSource();
        source.setURL("jdbc:h2:mem:s" + UUID.randomUUID().toString().replace("-", "")
                + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
        source.setUser("sa");
        return source;
    }

    /** Every column of every otpgate_ table but the history, as {@code table.column type nullable}. */
    private static List<String> otpgateColumns(JdbcDataSource source) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Connection db = source.getConnection(); Statement query = db.createStatement();
                ResultSet rows = query.executeQuery("""
                        select table_name, column_name, data_type, is_nullable from information_schema.columns
                        where table_name like 'otpgate\\_%' and table_name <> 'otpgate_schema_history'
                        order by table_name, column_name""")) {
            while (rows.next()) {
                columns.add(rows.getString(1) + "." + rows.getString(2) + " " + rows.getString(3) + " "
                        + rows.getString(4));
            }
        }
        return columns;
    }

    private static List<String> versions(JdbcDataSource source) throws SQLException {
        List<String> versions = new ArrayList<>();
        try (Connection db = DriverManager.getConnection(source.getURL(), "sa", "");
                Statement query = db.createStatement();
                ResultSet rows = query.executeQuery(
                        "select version from otpgate_schema_history where success and version is not null")) {
            while (rows.next()) {
                versions.add(rows.getString(1));
            }
        }
        return versions;
    }
}
