package io.otpgate.spring.system;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;

/**
 * otpgate's tables in an application's database: its own migrations ({@value #LOCATION}) with its own history table
 * ({@value #HISTORY_TABLE}), so they never touch the application's migrations, whether it uses Flyway, Liquibase,
 * {@code schema.sql} or nothing.
 */
public final class OtpgateSchema {

    public static final String HISTORY_TABLE = "otpgate_schema_history";
    public static final String LOCATION = "classpath:db/otpgate";

    private OtpgateSchema() {
    }

    /**
     * Brings otpgate's tables up to date.
     *
     * @param adoptExisting true where otpgate's tables were made by another history (the otpgate server's own
     *     migrations, up to its V5): version 1 is then taken as applied; false for an application's database, where
     *     version 1 creates them
     */
    public static void migrate(DataSource dataSource, boolean adoptExisting) {
        Flyway.configure().dataSource(dataSource).table(HISTORY_TABLE).locations(LOCATION)
                .baselineOnMigrate(adoptExisting).baselineVersion("1").load().migrate();
    }
}
