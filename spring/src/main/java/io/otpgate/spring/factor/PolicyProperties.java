package io.otpgate.spring.factor;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who must have a second factor ({@code otpgate.policy.*}).
 *
 * @param requiredAuthorities a user holding one of these authorities (e.g. {@code ROLE_ADMIN}) who has no confirmed
 *     device is sent to {@code /otp/setup} until enrolled; everyone else may enrol, and need not
 * @param openPaths the application's own paths that a user without the factor may reach, exactly as requested
 *     (its endpoint that takes a code and mints a token, say); otpgate's pages and code endpoints always are
 */
@ConfigurationProperties("otpgate.policy")
public record PolicyProperties(@DefaultValue List<String> requiredAuthorities, @DefaultValue List<String> openPaths) {

    public PolicyProperties {
        requiredAuthorities = List.copyOf(requiredAuthorities);
        openPaths = List.copyOf(openPaths);
    }
}
