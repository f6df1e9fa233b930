package io.otpgate.spring.factor;

import java.time.Instant;
import java.util.List;

import org.springframework.security.oauth2.jwt.JwtClaimsSet;

import io.otpgate.spring.device.DeviceRef;

/**
 * The claims that carry the one-time-code factor in an application's own JWTs (minted with Spring's
 * {@code JwtEncoder}): the hook an application calls when a code is verified. {@link OtpJwtAuthorities} turns them
 * back into {@link OtpFactor#AUTHORITY} on every request, as long as the device still exists.
 */
public final class OtpJwtClaims {

    /** The device whose code was verified, as its persistent id ({@code totp/42}). */
    public static final String DEVICE = "otp_device_id";
    /** RFC 8176 authentication methods: {@code pwd}, then {@code otp} and {@code mfa} once a code is verified. */
    public static final String AMR = "amr";
    /** When the user last proved the password (OpenID Connect's {@code auth_time}), in seconds. */
    public static final String AUTH_TIME = "auth_time";

    private OtpJwtClaims() {
    }

    /**
     * Adds the factor's claims to a token being minted.
     *
     * @param device the device of the verified code ({@code VerificationOutcome.Verified#device()})
     * @param authTime when the user proved the first factor (kept from the token the code was sent with)
     */
    public static JwtClaimsSet.Builder add(JwtClaimsSet.Builder claims, DeviceRef device, Instant authTime) {
        return claims.claim(DEVICE, device.persistentId()).claim(AMR, List.of("pwd", "otp", "mfa"))
                .claim(AUTH_TIME, authTime.getEpochSecond());
    }
}
