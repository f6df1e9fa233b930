package io.otpgate.server.system;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Who may read the metrics ({@code otpgate.metrics.*}).
 *
 * @param token the bearer token a scraper sends to {@code /actuator/prometheus} ({@code Authorization: Bearer
 *     <token>}), at least 32 characters; when absent nobody may read them
 */
@ConfigurationProperties("otpgate.metrics")
public record MetricsProperties(String token) {

    static final int MIN_TOKEN_LENGTH = 32;

    public MetricsProperties {
        if (token != null && token.isBlank()) {
            token = null;
        }
        if (token != null && token.length() < MIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException("otpgate.metrics.token must be at least " + MIN_TOKEN_LENGTH
                    + " characters, got " + token.length());
        }
    }

    @Override
    public String toString() {
        return "MetricsProperties[token=" + (token == null ? "none" : "PROTECTED") + "]";
    }
}
