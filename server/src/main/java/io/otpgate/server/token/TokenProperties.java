package io.otpgate.server.token;

import java.time.Duration;
import java.util.Base64;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The REST API's JWTs ({@code otpgate.token.*}; simplejwt's {@code SIMPLE_JWT} settings).
 *
 * @param accessLifetime how long an access token is valid (simplejwt's {@code ACCESS_TOKEN_LIFETIME}, 5 min)
 * @param refreshLifetime how long a refresh token is valid (simplejwt's {@code REFRESH_TOKEN_LIFETIME}, 1 day)
 * @param sessionMaxAge how long a session lasts at most, refreshed or not, counted from its password login
 *     ({@code auth_time}; 30 days): no token outlives it, and a refresh past it is refused
 * @param algorithm the one signing algorithm tokens may use; any other is refused
 * @param secret for HS256 only: the signing key, Base64, at least 32 bytes; when absent the server makes one and
 *     keeps it sealed in the database, shared by every instance. RS256 and ES256 key pairs are always made so.
 */
@ConfigurationProperties("otpgate.token")
public record TokenProperties(@DefaultValue("5m") Duration accessLifetime, @DefaultValue("1d") Duration refreshLifetime,
        @DefaultValue("HS256") Algorithm algorithm, String secret, @DefaultValue("30d") Duration sessionMaxAge) {

    /** The signing algorithms otpgate issues; {@code none} and every other one are refused. */
    public enum Algorithm {
        HS256, RS256, ES256
    }

    static final int MIN_SECRET_BYTES = 32;

    public TokenProperties {
        if (accessLifetime.isNegative() || accessLifetime.isZero()) {
            throw new IllegalArgumentException("otpgate.token.access-lifetime must be positive, got " + accessLifetime);
        }
        if (refreshLifetime.compareTo(accessLifetime) < 0) {
            throw new IllegalArgumentException("otpgate.token.refresh-lifetime must be at least the access lifetime ("
                    + accessLifetime + "), got " + refreshLifetime);
        }
        if (sessionMaxAge.compareTo(accessLifetime) < 0) {
            throw new IllegalArgumentException("otpgate.token.session-max-age must be at least the access lifetime ("
                    + accessLifetime + "), got " + sessionMaxAge);
        }
        if (secret != null && !secret.isBlank()) {
            if (algorithm != Algorithm.HS256) {
                throw new IllegalArgumentException("otpgate.token.secret is for HS256 only; " + algorithm
                        + " uses a key pair the server makes");
            }
            secretBytes(secret);
        } else {
            secret = null;
        }
    }

    /** The configured HS256 key, or null. */
    byte[] secretBytes() {
        return secret == null ? null : secretBytes(secret);
    }

    private static byte[] secretBytes(String secret) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(secret.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("otpgate.token.secret must be Base64");
        }
        if (bytes.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("otpgate.token.secret must hold at least " + MIN_SECRET_BYTES
                    + " bytes (256 bits), got " + bytes.length);
        }
        return bytes;
    }

    @Override
    public String toString() {
        return "TokenProperties[accessLifetime=" + accessLifetime + ", refreshLifetime=" + refreshLifetime
                + ", algorithm=" + algorithm + ", secret=" + (secret == null ? "generated" : "PROTECTED")
                + ", sessionMaxAge=" + sessionMaxAge + "]";
    }
}
