package io.otpgate.spring.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The JSON API for single-page and mobile applications ({@code otpgate.api.*}).
 *
 * @param prefix where its endpoints live: {@code PREFIX/totp/status}, {@code PREFIX/totp/login}, ...; a path that
 *     starts with {@code /} and does not end with one
 */
@ConfigurationProperties("otpgate.api")
public record ApiProperties(@DefaultValue("/otp/api") String prefix) {

    public ApiProperties {
        if (!prefix.startsWith("/") || prefix.endsWith("/") || prefix.contains("*") || prefix.contains("{")) {
            throw new IllegalArgumentException("otpgate.api.prefix must start with '/' and not end with one, got "
                    + prefix);
        }
    }
}
