package io.otpgate.server.system;

import java.security.SecureRandom;
import java.time.Clock;

import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The clock and the randomness every feature shares, and typed configuration for all features. */
@Configuration(proxyBeanMethods = false)
@ConfigurationPropertiesScan({ "io.otpgate.server", "io.otpgate.spring" })
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
}
