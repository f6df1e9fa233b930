package io.otpgate.server.login;

import java.time.Clock;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.otpgate.spring.audit.SecurityEvents;

/** The password-login throttle, shared by the REST API's {@code POST /api/token} and the admin panel's login. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
class LoginConfiguration {

    @Bean
    LoginThrottle loginThrottle(LoginProperties properties, LoginFailures failures, SecurityEvents events,
            Clock clock) {
        return new LoginThrottle(properties, failures, events, clock);
    }
}
