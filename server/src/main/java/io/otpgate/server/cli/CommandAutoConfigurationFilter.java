package io.otpgate.server.cli;

import java.util.List;

import org.springframework.boot.autoconfigure.AutoConfigurationImportFilter;
import org.springframework.boot.autoconfigure.AutoConfigurationMetadata;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Keeps the server's auto-configurations out of a command's context: the web server and MVC, HTTP clients and
 * message converters, Spring Security's, actuator endpoints, health, metrics and observation, task executors and
 * schedulers, and SpringDoc. A command needs none of them, and left out they are not even loaded, which is most of
 * the gain in start-up time. Everything else (data source, Flyway, JDBC, transactions, Jackson, validation) stays.
 *
 * <p>Registered in {@code META-INF/spring.factories}; it filters only when {@value #COMMAND_CONTEXT} is true, which
 * {@link Commands} sets. The server's context, and tests' contexts, are untouched.
 */
public final class CommandAutoConfigurationFilter implements AutoConfigurationImportFilter, EnvironmentAware {

    /** The property that marks a command's context. */
    static final String COMMAND_CONTEXT = "otpgate.cli.command-context";

    private static final List<String> PREFIXES = List.of(
            "org.springframework.boot.actuate.",
            "org.springframework.boot.health.",
            "org.springframework.boot.micrometer.",
            "org.springframework.boot.opentelemetry.",
            "org.springframework.boot.tracing.",
            "org.springframework.boot.zipkin.",
            "org.springframework.boot.web.",
            "org.springframework.boot.webmvc.",
            "org.springframework.boot.webflux.",
            "org.springframework.boot.servlet.",
            "org.springframework.boot.tomcat.",
            "org.springframework.boot.jetty.",
            "org.springframework.boot.reactor.",
            "org.springframework.boot.http.",
            "org.springframework.boot.restclient.",
            "org.springframework.boot.webclient.",
            "org.springframework.boot.security.",
            "org.springframework.boot.thymeleaf.",
            "org.springframework.boot.session.",
            "org.springframework.boot.autoconfigure.task.",
            "org.springframework.boot.autoconfigure.availability.",
            "org.springframework.boot.autoconfigure.admin.",
            "org.springframework.boot.autoconfigure.jmx.",
            "org.springdoc.");
    /** Packages of health, metrics and observation support inside otherwise wanted modules (jdbc's, for one). */
    private static final List<String> SEGMENTS = List.of(".actuate.", ".health.", ".metrics.", ".observation.");

    private boolean active;

    @Override
    public void setEnvironment(Environment environment) {
        this.active = environment.getProperty(COMMAND_CONTEXT, Boolean.class, false);
    }

    @Override
    public boolean[] match(String[] autoConfigurationClasses, AutoConfigurationMetadata metadata) {
        boolean[] matches = new boolean[autoConfigurationClasses.length];
        for (int i = 0; i < autoConfigurationClasses.length; i++) {
            matches[i] = !active || autoConfigurationClasses[i] == null || !excluded(autoConfigurationClasses[i]);
        }
        return matches;
    }

    static boolean excluded(String className) {
        return PREFIXES.stream().anyMatch(className::startsWith) || SEGMENTS.stream().anyMatch(className::contains);
    }
}
