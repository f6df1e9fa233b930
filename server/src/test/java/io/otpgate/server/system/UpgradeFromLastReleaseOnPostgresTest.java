package io.otpgate.server.system;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.postgres.ThrowawayPostgres.Database;

@RequiresPostgres
class UpgradeFromLastReleaseOnPostgresTest extends UpgradeFromLastReleaseContract {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        Database database = PostgresTestCluster.newDatabase();
        remember(UpgradeFromLastReleaseOnPostgresTest.class,
                writeLastRelease(database.jdbcUrl(), database.username(), database.password()));
        TestDatabases.postgres(registry, database);
    }
}
