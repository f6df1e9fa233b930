package io.otpgate.server.user;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.server.system.RequiresPostgres;
import io.otpgate.server.system.TestDatabases;
@RequiresPostgres
class UserServiceOnPostgresTest extends UserServiceContract {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.postgres(registry);
    }
}
