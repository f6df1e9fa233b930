package io.otpgate.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.mock.env.MockEnvironment;

/** What a command's context leaves out, and that only a command's context leaves anything out. */
class CommandAutoConfigurationFilterTest {

    @ParameterizedTest
    @CsvSource(textBlock = """
            org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,                           true
            org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration,                           true
            org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration,                             true
            org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration,                   true
            org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration,                           true
            org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration,               true
            picocli.spring.boot.autoconfigure.PicocliAutoConfiguration,                                        true
            org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration,     false
            org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration,                             false
            org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration,                         false
            org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration,                 false
            org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration,    false
            org.springframework.boot.micrometer.metrics.autoconfigure.jvm.JvmMetricsAutoConfiguration,         false
            org.springframework.boot.jdbc.autoconfigure.metrics.DataSourcePoolMetricsAutoConfiguration,        false
            org.springframework.boot.jdbc.autoconfigure.health.DataSourceHealthContributorAutoConfiguration,   false
            org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration,                        false
            org.springdoc.core.configuration.SpringDocConfiguration,                                           false
            """)
    void matchWhenCommandContextThenServerOnlyConfigurationsLeftOut(String autoConfiguration, boolean kept) {
        CommandAutoConfigurationFilter filter = new CommandAutoConfigurationFilter();
        filter.setEnvironment(new MockEnvironment().withProperty(CommandAutoConfigurationFilter.COMMAND_CONTEXT,
                "true"));

        assertThat(filter.match(new String[] {autoConfiguration}, null)).containsExactly(kept);
    }

    @Test
    void matchWhenServerContextThenEverythingKept() {
        CommandAutoConfigurationFilter filter = new CommandAutoConfigurationFilter();
        filter.setEnvironment(new MockEnvironment());

        assertThat(filter.match(new String[] {
            "org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration",
            "org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration", null}, null))
                .containsExactly(true, true, true);
    }
}
