package io.otpgate.server.django;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.postgres.ThrowawayPostgres.Database;
import io.otpgate.server.system.PostgresTestCluster;
import io.otpgate.server.system.RequiresPostgres;
import io.otpgate.server.system.TestDatabases;

@RequiresPostgres
class DjangoImportOnPostgresTest extends DjangoImportContract {

    private static Database database;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        database = PostgresTestCluster.newDatabase();
        TestDatabases.postgres(registry, database);
    }

    @Override
    String databaseDump() {
        return PostgresTestCluster.pgDump(database);
    }
}
