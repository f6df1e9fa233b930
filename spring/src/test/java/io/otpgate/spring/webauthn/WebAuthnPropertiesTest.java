package io.otpgate.spring.webauthn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.core.NestedExceptionUtils;

class WebAuthnPropertiesTest {

    static WebAuthnProperties of(String rpId, String... origins) {
        return new WebAuthnProperties(rpId, "otpgate", List.of(origins), Duration.ofMinutes(5));
    }

    @Test
    void defaultsWhenLocalhostThenAnyLocalhostPortAllowedAndNothingElse() {
        WebAuthnProperties properties = of("localhost");

        assertThat(properties.allows("http://localhost:8080")).isTrue();
        assertThat(properties.allows("https://localhost:8443")).isTrue();
        assertThat(properties.allows("http://localhost")).isTrue();
        assertThat(properties.allows("http://localhost.evil.example")).isFalse();
        assertThat(properties.allows("http://127.0.0.1:8080")).isFalse();
        assertThat(properties.allows("https://example.com")).isFalse();
        assertThat(properties.allows(null)).isFalse();
    }

    @Test
    void allowedOriginsWhenSetThenOnlyThoseExactly() {
        WebAuthnProperties properties = of("example.com", "https://example.com", "https://login.example.com:8443/");

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
        assertThatThrownBy(() -> of(rpId, origin)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("otpgate.webauthn.allowed-origins").hasMessageContaining(rule);
    }

    @Test
    void constructorWhenRpIdNotLocalhostAndNoOriginsThenErrorNamesTheProperty() {
        assertThatThrownBy(() -> of("example.com")).isInstanceOf(IllegalArgumentException.class)
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
        assertThatThrownBy(() -> of(rpId == null ? "" : rpId, "https://example.com"))
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
