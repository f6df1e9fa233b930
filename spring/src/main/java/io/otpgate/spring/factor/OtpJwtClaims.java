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
    /**
     * RFC 8176 authentication methods: {@code pwd}, then {@code otp} and {@code mfa} once a TOTP or HOTP code is
     * verified, or {@value #RECOVERY_METHOD} and {@code mfa} once a recovery code is.
     */
    public static final String AMR = "amr";
    /**
     * The {@code amr} value of a recovery code. RFC 8176 registers none: {@code otp} would let a relying party take a
     * printed one-off code for the authenticator app, and {@code kba} (knowledge) is not what it is either. RFC 8176
     * section 2 lets parties agree on values of their own; this one is spelled out so that nobody can mistake it.
     */
    public static final String RECOVERY_METHOD = "recovery";
    /** When the user last proved the password (OpenID Connect's {@code auth_time}), in seconds. */
    public static final String AUTH_TIME = "auth_time";
    /**
     * When a device last proved the second factor (epoch seconds), for a token that outlives that moment (a
     * refreshed one): {@link OtpJwtAuthorities} dates {@link OtpFactor#AUTHORITY} by it, else by {@code iat}, and
     * {@link StepUp} asks for it to be recent before a sensitive action.
     */
    public static final String OTP_TIME = "otp_time";

    private OtpJwtClaims() {
    }

    /**
     * Adds the factor's claims to a token being minted.
     *
     * @param device the device of the verified code ({@code VerificationOutcome.Verified#device()})
     * @param authTime when the user proved the first factor (kept from the token the code was sent with)
     */
    public static JwtClaimsSet.Builder add(JwtClaimsSet.Builder claims, DeviceRef device, Instant authTime) {
        return claims.claim(DEVICE, device.persistentId()).claim(AMR, methods(device))
                .claim(AUTH_TIME, authTime.getEpochSecond());
    }

    /**
     * Adds the factor's claims to a token being minted, with the time the device proved it ({@value #OTP_TIME}).
     *
     * @param provenAt when the code was verified; kept when the token is refreshed
     */
    public static JwtClaimsSet.Builder add(JwtClaimsSet.Builder claims, DeviceRef device, Instant authTime,
            Instant provenAt) {
        return add(claims, device, authTime).claim(OTP_TIME, provenAt.getEpochSecond());
    }

    /**
     * The {@code amr} of a session whose second factor this device proved: {@code ["pwd","otp","mfa"]}, or
     * {@code ["pwd","recovery","mfa"]} for a recovery code.
     */
    public static List<String> methods(DeviceRef device) {
        return switch (device.kind()) {
            case STATIC -> List.of("pwd", RECOVERY_METHOD, "mfa");
            // Without the assertion's flags, the weaker claim: a key that may be synced, the user not verified.
            case WEBAUTHN -> passkeyMethods(false, true);
            default -> List.of("pwd", "otp", "mfa");
        };
    }

    /**
     * Adds the claims of a passkey's assertion to a token being minted: as {@link #add}, with the {@code amr} of
     * {@link #passkeyMethods}.
     *
     * @param device the passkey ({@code AssertionOutcome.Verified#device()})
     * @param userVerified {@code AssertionOutcome.Verified#userVerified()}
     * @param backedUp {@code AssertionOutcome.Verified#backedUp()}
     */
    public static JwtClaimsSet.Builder addPasskey(JwtClaimsSet.Builder claims, DeviceRef device, Instant authTime,
            boolean userVerified, boolean backedUp) {
        return claims.claim(DEVICE, device.persistentId()).claim(AMR, passkeyMethods(userVerified, backedUp))
                .claim(AUTH_TIME, authTime.getEpochSecond());
    }

    /**
     * The {@code amr} of a session whose second factor a passkey proved (RFC 8176): {@code ["pwd","hwk","mfa"]}, or
     * {@code "swk"} instead of {@code "hwk"} when the credential is backed up (synced: its key is no longer bound to
     * one piece of hardware), plus {@code "user"} when the authenticator verified the user (UV).
     */
    public static List<String> passkeyMethods(boolean userVerified, boolean backedUp) {
        String key = backedUp ? "swk" : "hwk";
        return userVerified ? List.of("pwd", key, "user", "mfa") : List.of("pwd", key, "mfa");
    }
}
