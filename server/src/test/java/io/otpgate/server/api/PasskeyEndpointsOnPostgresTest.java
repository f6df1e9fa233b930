package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.server.system.RequiresPostgres;
import io.otpgate.server.system.TestDatabases;

/** {@link PasskeyEndpointsTest} on PostgreSQL (its {@code database} hides the H2 one of {@link ApiTestBase}). */
@RequiresPostgres
class PasskeyEndpointsOnPostgresTest extends PasskeyEndpointsTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.postgres(registry);
    }

    @Autowired DataSource dataSource;

    @Test
    void databaseWhenAskedThenPostgres() throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            assertThat(connection.getMetaData().getDatabaseProductName()).isEqualTo("PostgreSQL");
        }
    }
}
