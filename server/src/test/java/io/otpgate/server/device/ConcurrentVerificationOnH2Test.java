package io.otpgate.server.device;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.server.system.TestDatabases;

class ConcurrentVerificationOnH2Test extends ConcurrentVerificationContract {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.h2(registry);
    }
}
