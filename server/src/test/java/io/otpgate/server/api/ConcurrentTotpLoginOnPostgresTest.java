package io.otpgate.server.api;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.server.system.RequiresPostgres;
import io.otpgate.server.system.TestDatabases;

@RequiresPostgres
class ConcurrentTotpLoginOnPostgresTest extends ConcurrentTotpLoginContract {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.postgres(registry);
    }
}
