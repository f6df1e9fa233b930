package io.otpgate.server.cli;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The console of commands outside {@link Commands} (the server's context, which also holds the command beans, and
 * tests that start a context of their own). {@link Commands} registers its own before this is read.
 */
@Configuration(proxyBeanMethods = false)
class CliConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Terminal terminal() {
        return Terminal.system(System.out, System.err);
    }
}
