package io.otpgate.spring.webauthn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.core.NestedExceptionUtils;

/**
 * No method of this class names {@link WebAuthnProperties} in its signature: the fuzz tests' JVM discovers this class
 * too, and a class loaded before Jazzer's agent starts loses its parameter names when the agent retransforms it
 * (JDK-8240908), after which Spring cannot bind the record.
 */
class WebAuthnPropertiesTest {

    /** The settings' origin rule, made from these settings. */
    static Predicate<String> allowed(String rpId, String... origins) {
        return new WebAuthnProperties(rpId, "otpgate", List.of(origins), Duration.ofMinutes(5))::allows;
    }

    @Test
    void defaultsWhenLocalhostThenAnyLocalhostPortAllowedAndNothingElse() {
        Predicate<String> properties = allowed("localhost");

        assertThat(properties.test("http://localhost:8080")).isTrue();
        assertThat(properties.test("https://localhost:8443")).isTrue();
        assertThat(properties.test("http://localhost")).isTrue();
        assertThat(properties.test("http://localhost.evil.example")).isFalse();
        assertThat(properties.test("http://127.0.0.1:8080")).isFalse();
        assertThat(properties.test("https://example.com")).isFalse();
        assertThat(properties.test(null)).isFalse();
    }

    @Test
    void allowedOriginsWhenSetThenOnlyThoseExactly() {
        WebAuthnProperties properties = new WebAuthnProperties("example.com", "otpgate",
                List.of("https://example.com", "https://login.example.com:8443/"), Duration.ofMinutes(5));

        assertThat(properties.allowedOrigins()).containsExactly("https://example.com",
                "https://login.example.com:8443");
        assertThat(properties.allows("https://example.com")).isTrue();
        assertThat(properties.allows("https://login.example.com:8443")).isTrue();
        assertThat(properties.allows("https://login.example.com")).isFalse();
        assertThat(properties.allows("http://example.com")).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            example.com | http://example.com           | must use https
            example.com | https://example.org          | rp-id 'example.com' or a subdomain
            example.com | https://notexample.com       | rp-id 'example.com' or a subdomain
            example.com | https://example.com/login    | scheme, host and port only
            example.com | example.com                  | scheme, host and port only
            example.com | ftp://example.com            | scheme, host and port only
            localhost   | http://example.com           | must use https
            """)
    void constructorWhenOriginBreaksARuleThenErrorNamesTheProperty(String rpId, String origin, String rule) {
        assertThatThrownBy(() -> allowed(rpId, origin)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("otpgate.webauthn.allowed-origins").hasMessageContaining(rule);
    }

    @Test
    void constructorWhenRpIdNotLocalhostAndNoOriginsThenErrorNamesTheProperty() {
        assertThatThrownBy(() -> allowed("example.com")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("otpgate.webauthn.allowed-origins is required")
                .hasMessageContaining("otpgate.webauthn.rp-id");
    }

    @ParameterizedTest
    @CsvSource(textBlock = """
            https://example.com
            Example.com
            example.com:443
            ''
            """)
    void constructorWhenRpIdNotAHostNameThenErrorNamesTheProperty(String rpId) {
        assertThatThrownBy(() -> allowed(rpId == null ? "" : rpId, "https://example.com"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("otpgate.webauthn.rp-id");
    }

    @Test
    void constructorWhenChallengeLifetimeOutOfRangeThenErrorNamesTheProperty() {
        assertThatThrownBy(() -> new WebAuthnProperties("localhost", "otpgate", List.of(), Duration.ofSeconds(5)))
                .hasMessageContaining("otpgate.webauthn.challenge-lifetime");
    }

    @Test
    void startWhenMisconfiguredThenStartUpFailsNamingTheProperty() {
        SpringApplicationBuilder application = new SpringApplicationBuilder(PasskeyTestApplication.class)
                .properties(PasskeyTestApplication.PROPERTIES, PasskeyTestApplication.KEYS,
                        "otpgate.webauthn.rp-id=example.com");

        assertThatThrownBy(application::run).satisfies(e -> assertThat(
                NestedExceptionUtils.getMostSpecificCause(e).getMessage())
                .contains("otpgate.webauthn.allowed-origins is required"));
    }
}
