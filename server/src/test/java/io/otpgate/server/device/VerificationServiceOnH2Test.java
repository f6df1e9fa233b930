package io.otpgate.server.device;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.server.system.TestDatabases;

class VerificationServiceOnH2Test extends VerificationServiceContract {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.h2(registry);
    }
}
