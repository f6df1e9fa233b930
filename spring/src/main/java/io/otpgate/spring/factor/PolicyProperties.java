package io.otpgate.spring.factor;

import java.time.Duration;
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
 * @param stepUpWithin how recent the second factor must be for a sensitive action (turning 2FA off, removing a
 *     device, new recovery codes, adding a device when one exists): see {@link StepUp}; more than zero, default 5
 *     minutes
 */
@ConfigurationProperties("otpgate.policy")
public record PolicyProperties(@DefaultValue List<String> requiredAuthorities, @DefaultValue List<String> openPaths,
        @DefaultValue("5m") Duration stepUpWithin) {

    public PolicyProperties {
        requiredAuthorities = List.copyOf(requiredAuthorities);
        openPaths = List.copyOf(openPaths);
        if (stepUpWithin == null || stepUpWithin.isNegative() || stepUpWithin.isZero()) {
            throw new IllegalArgumentException("otpgate.policy.step-up-within must be more than zero, got "
                    + stepUpWithin);
        }
    }
}
