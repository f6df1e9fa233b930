package io.otpgate.server.django;

import java.util.stream.Collectors;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.server.system.TestDatabases;

class DjangoImportOnH2Test extends DjangoImportContract {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.h2(registry);
    }

    @Override
    String databaseDump() {
        return jdbc.sql("script").query((rs, n) -> rs.getString(1)).list().stream()
                .collect(Collectors.joining("\n"));
    }
}
