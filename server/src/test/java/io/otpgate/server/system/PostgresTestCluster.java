package io.otpgate.server.system;

import org.junit.jupiter.api.Assumptions;

import io.otpgate.postgres.ThrowawayPostgres;
import io.otpgate.postgres.ThrowawayPostgres.Database;

/**
 * The server tests' PostgreSQL: the JVM's shared {@link ThrowawayPostgres} cluster (module {@code postgres-test}),
 * started on first use and stopped and deleted when the JVM exits. Each test takes its own empty database from
 * {@link #newDatabase()}, owned by a role of its own. Without Debian's server programs a test that calls
 * {@link #assumeAvailable()} (or is annotated {@link RequiresPostgres}) is skipped on a developer's machine but fails
 * in CI ({@code CI} set, as {@code .ci/run} does, which also installs the {@code postgresql} package).
 */
public final class PostgresTestCluster {

    private PostgresTestCluster() {
    }

    /** Whether the PostgreSQL server programs are installed (or found in {@code OTPGATE_PG_BIN}). */
    public static boolean available() {
        return ThrowawayPostgres.available();
    }

    /** Skips the calling test without the programs, or fails it when {@code CI} is set. */
    public static void assumeAvailable() {
        Assumptions.assumeTrue(ThrowawayPostgres.availableOrThrowInCi(), ThrowawayPostgres::unavailableReason);
    }

    /** A fresh, empty database on the shared cluster, started if needed. Thread-safe. */
    public static Database newDatabase() {
        return ThrowawayPostgres.shared().newDatabase();
    }

    /** The whole plain-format {@code pg_dump --data-only --inserts} of the database. */
    public static String pgDump(Database db) {
        return ThrowawayPostgres.shared().dump(db, "--data-only", "--inserts");
    }
}
