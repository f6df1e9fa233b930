package io.otpgate.server.system;

import java.util.UUID;

import org.springframework.test.context.DynamicPropertyRegistry;

import io.otpgate.postgres.ThrowawayPostgres.Database;

/**
 * Databases for tests: a fresh in-memory H2 in PostgreSQL mode (as the embedded default, minus the file), or a
 * fresh database on the throw-away PostgreSQL cluster. Both with the same fixed test key ring.
 */
public final class TestDatabases {

    /** A key ring for tests only (32 bytes of 0x01..0x20). Never used outside tests. */
    public static final String TEST_KEYS = "1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

    private TestDatabases() {
    }

    /** Registers a new, empty in-memory H2 database. */
    public static void h2(DynamicPropertyRegistry registry) {
        String name = "t" + UUID.randomUUID().toString().replace("-", "");
        registry.add("spring.datasource.url", () -> "jdbc:h2:mem:" + name
                + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
        registry.add("spring.datasource.username", () -> "sa");
        registry.add("spring.datasource.password", () -> "");
        registry.add("otpgate.secrets.keys", () -> TEST_KEYS);
    }

    /** Registers a new, empty PostgreSQL database (the class must be annotated {@link RequiresPostgres}). */
    public static void postgres(DynamicPropertyRegistry registry) {
        Database database = PostgresTestCluster.newDatabase();
        postgres(registry, database);
    }

    /** Registers the given PostgreSQL database (to share one between two application contexts). */
    public static void postgres(DynamicPropertyRegistry registry, Database database) {
        registry.add("spring.datasource.url", database::jdbcUrl);
        registry.add("spring.datasource.username", database::username);
        registry.add("spring.datasource.password", database::password);
        registry.add("otpgate.secrets.keys", () -> TEST_KEYS);
    }
}
