package io.otpgate.server.system;

import java.security.SecureRandom;
import java.time.Clock;

import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.otpgate.spring.system.OtpgateSchema;

/** The clock and the randomness every feature shares, and typed configuration for all features. */
@Configuration(proxyBeanMethods = false)
@ConfigurationPropertiesScan("io.otpgate.server")
class SystemConfiguration {

    /** The only clock in otpgate; tests replace it with a fixed or mutable one. */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    SecureRandom secureRandom() {
        return new SecureRandom();
    }

    /**
     * The library's migrations, after the server's own: the server's migrations made otpgate's tables (up to V5),
     * so the library's history adopts them at its version 1 and applies only what comes after. Part of Spring Boot's
     * Flyway initialization, so that everything that waits for the database to be initialized waits for both: a
     * command's context is lazy, and starts that initialization only when it uses the database.
     */
    @Bean
    FlywayMigrationStrategy migrations() {
        return flyway -> {
            flyway.migrate();
            OtpgateSchema.migrate(flyway.getConfiguration().getDataSource(), true);
        };
    }
}
