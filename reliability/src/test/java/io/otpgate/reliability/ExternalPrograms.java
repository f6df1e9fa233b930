package io.otpgate.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

import io.otpgate.postgres.ThrowawayPostgres;

/** What the scenario ITs need from outside the JVM: the packaged server jar, and PostgreSQL's programs. */
final class ExternalPrograms {

    private ExternalPrograms() {
    }

    /** Fails with a clear message if the reactor did not package the server before {@code integration-test}. */
    static void requireServerJar() {
        String jar = System.getProperty("otpgate.server.jar", "../server/target/otpgate-server.jar");
        assertThat(Files.isRegularFile(Path.of(jar)))
                .as("the server jar %s (./mvnw verify packages the server module before this one's integration tests;"
                        + " alone: ./mvnw -pl reliability -am verify)", jar)
                .isTrue();
    }

    /** Skips the test without PostgreSQL on a developer's machine; fails it in CI ({@code CI} set). */
    static void requirePostgres() {
        Assumptions.assumeTrue(ThrowawayPostgres.availableOrThrowInCi(), ThrowawayPostgres::unavailableReason);
    }
}
