package io.otpgate.server.secret;

import java.util.stream.Collectors;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.server.system.TestDatabases;

class SecretsAtRestOnH2Test extends SecretsAtRestContract {

    @Autowired JdbcClient jdbc;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.h2(registry);
    }

    @Override
    String dump() {
        return jdbc.sql("script").query(String.class).list().stream().collect(Collectors.joining("\n"));
    }
}
