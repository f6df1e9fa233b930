package io.otpgate.server.login;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.server.system.RequiresPostgres;
import io.otpgate.server.system.TestDatabases;

@RequiresPostgres
class LoginThrottleOnPostgresTest extends LoginThrottleContract {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.postgres(registry);
    }
}
