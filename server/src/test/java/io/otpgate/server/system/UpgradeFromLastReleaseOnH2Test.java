package io.otpgate.server.system;

import java.util.UUID;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

class UpgradeFromLastReleaseOnH2Test extends UpgradeFromLastReleaseContract {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        String url = "jdbc:h2:mem:u" + UUID.randomUUID().toString().replace("-", "")
                + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
        remember(UpgradeFromLastReleaseOnH2Test.class, writeLastRelease(url, "sa", ""));
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.datasource.username", () -> "sa");
        registry.add("spring.datasource.password", () -> "");
        registry.add("otpgate.secrets.keys", () -> TestDatabases.TEST_KEYS);
    }
}
