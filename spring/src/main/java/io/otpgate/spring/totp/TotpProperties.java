package io.otpgate.spring.totp;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.otpgate.core.HmacAlgorithm;
import io.otpgate.core.Totp;

/**
 * Settings of new TOTP devices ({@code otpgate.totp.*}; django-otp's {@code OTP_TOTP_*}). Authenticator apps
 * widely support only the defaults: SHA1, 6 digits, 30 seconds.
 *
 * @param issuer the issuer shown in authenticator apps (django-otp's {@code OTP_TOTP_ISSUER})
 * @param tolerance steps accepted before and after the expected one, 0..10
 */
@ConfigurationProperties("otpgate.totp")
public record TotpProperties(@DefaultValue("otpgate") String issuer, @DefaultValue("SHA1") HmacAlgorithm algorithm,
        @DefaultValue("6") int digits, @DefaultValue("30s") Duration period, @DefaultValue("1") int tolerance) {

    public TotpProperties {
        settings(algorithm, digits, period);
        if (tolerance < 0 || tolerance > Totp.MAX_WINDOW) {
            throw new IllegalArgumentException("otpgate.totp.tolerance must be 0.." + Totp.MAX_WINDOW + ", got "
                    + tolerance);
        }
        if (issuer.isBlank() || issuer.length() > 128 || issuer.contains(":")) {
            throw new IllegalArgumentException("otpgate.totp.issuer must be 1..128 characters without ':'");
        }
    }

    /** The code generator of new devices. */
    public Totp settings() {
        return settings(algorithm, digits, period);
    }

    private static Totp settings(HmacAlgorithm algorithm, int digits, Duration period) {
        return Totp.builder().algorithm(algorithm).digits(digits).period(period).build();
    }
}
