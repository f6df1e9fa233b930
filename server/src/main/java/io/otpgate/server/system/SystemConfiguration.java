package io.otpgate.server.system;

import java.security.SecureRandom;
import java.time.Clock;

import javax.sql.DataSource;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;
import org.springframework.context.annotation.Lazy;

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
     * so the library's history adopts them at its version 1 and applies only what comes after. Never lazy: the
     * commands make their beans lazily, and would otherwise find the library's later tables missing.
     */
    @Bean
    @Lazy(false)
    @DependsOn("flywayInitializer")
    InitializingBean otpgateSchema(DataSource dataSource) {
        return () -> OtpgateSchema.migrate(dataSource, true);
    }
}
