package io.otpgate.server.device;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.server.system.RequiresPostgres;
import io.otpgate.server.system.TestDatabases;

@RequiresPostgres
class ConcurrentVerificationOnPostgresTest extends ConcurrentVerificationContract {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.postgres(registry);
    }
}
