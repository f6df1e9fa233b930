package io.otpgate.server.token;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.security.oauth2.jwt.Jwt;

import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.factor.OtpJwtClaims;

/**
 * The claims of an otpgate token, as simplejwt makes them plus the Django REST project's device claim and RFC 8176's
 * {@code amr}.
 *
 * @param type {@code access} or {@code refresh} (claim {@code token_type})
 * @param id unique per token (claim {@code jti})
 * @param device the device whose code (or the passkey whose assertion) this session proved (claim
 *     {@code otp_device_id}: {@code totp/3}, {@code webauthn/7}), or null (password only)
 * @param methods how the session was authenticated (claim {@code amr}): {@code ["pwd"]}, then
 *     {@code ["pwd","otp","mfa"]}, or {@code ["pwd","recovery","mfa"]} after a recovery code
 *     ({@link OtpJwtClaims#RECOVERY_METHOD}), or after a passkey {@code ["pwd","hwk","mfa"]} ({@code "swk"} for a
 *     synced one, and {@code "user"} before {@code "mfa"} when the authenticator verified the user:
 *     {@link OtpJwtClaims#passkeyMethods}); kept as they are on refresh
 * @param authTime when the password was checked (claim {@code auth_time}); kept on refresh and on the second factor
 * @param sessionVersion the user's session version when the session began (claim {@code sv}; 0 when absent, as in
 *     tokens issued before it existed): the token is refused once the user's version moved on
 * @param otpTime when a device last proved the second factor in this token family (claim {@code otp_time}, epoch
 *     seconds): set by a verified code, kept on refresh; null without a second factor, and in tokens issued before
 *     the claim existed (their factor is not fresh for a sensitive action)
 * @param remembered whether a trusted browser stood in for the second factor at the password login (claim
 *     {@code otp_remembered: true}, with {@code amr} {@code ["pwd"]}; absent otherwise): the token then carries
 *     {@code FACTOR_OTP_REMEMBERED}, never {@code FACTOR_OTP}; kept on refresh, dropped by a code
 */
public record TokenClaims(TokenType type, String id, long userId, Instant issuedAt, Instant expiresAt, DeviceRef device,
        List<String> methods, Instant authTime, long sessionVersion, Instant otpTime, boolean remembered) {

    public static final String TOKEN_TYPE = "token_type";
    public static final String USER_ID = "user_id";
    public static final String DEVICE = "otp_device_id";
    public static final String METHODS = "amr";
    public static final String AUTH_TIME = "auth_time";
    public static final String SESSION_VERSION = "sv";
    public static final String REMEMBERED = "otp_remembered";
    public static final String OTP_TIME = OtpJwtClaims.OTP_TIME;

    /** Claims without a second factor's time and without a remembered browser. */
    public TokenClaims(TokenType type, String id, long userId, Instant issuedAt, Instant expiresAt, DeviceRef device,
            List<String> methods, Instant authTime, long sessionVersion) {
        this(type, id, userId, issuedAt, expiresAt, device, methods, authTime, sessionVersion, null, false);
    }

    /** Claims without a remembered browser. */
    public TokenClaims(TokenType type, String id, long userId, Instant issuedAt, Instant expiresAt, DeviceRef device,
            List<String> methods, Instant authTime, long sessionVersion, Instant otpTime) {
        this(type, id, userId, issuedAt, expiresAt, device, methods, authTime, sessionVersion, otpTime, false);
    }

    static final List<String> PASSWORD = List.of("pwd");

    /** {@code token_type}. */
    public enum TokenType {
        ACCESS("access"), REFRESH("refresh");

        private final String claim;

        TokenType(String claim) {
            this.claim = claim;
        }

        public String claim() {
            return claim;
        }

        static Optional<TokenType> of(Object claim) {
            for (TokenType type : values()) {
                if (type.claim.equals(claim)) {
                    return Optional.of(type);
                }
            }
            return Optional.empty();
        }
    }

    /** The methods for a session with or without a second factor, as the library's own JWT claims name them. */
    static List<String> methodsFor(DeviceRef device) {
        return device == null ? PASSWORD : OtpJwtClaims.methods(device);
    }

    /**
     * Reads the claims of a token whose signature and times were checked.
     *
     * @return empty if a claim is missing or malformed
     */
    static Optional<TokenClaims> of(Jwt jwt) {
        Map<String, Object> claims = jwt.getClaims();
        Optional<TokenType> type = TokenType.of(claims.get(TOKEN_TYPE));
        Object userId = claims.get(USER_ID);
        Object device = claims.get(DEVICE);
        Object methods = claims.get(METHODS);
        Instant authTime = epochSeconds(claims.get(AUTH_TIME));
        Object sessionVersion = claims.getOrDefault(SESSION_VERSION, 0L);
        Object remembered = claims.getOrDefault(REMEMBERED, Boolean.FALSE);
        Instant otpTime = epochSeconds(claims.get(OTP_TIME));
        if (claims.get(OTP_TIME) != null && otpTime == null) {
            return Optional.empty();
        }
        if (type.isEmpty() || jwt.getId() == null || jwt.getId().isEmpty() || jwt.getIssuedAt() == null
                || jwt.getExpiresAt() == null || authTime == null || !(userId instanceof Number number)
                || !(methods instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)
                || !(sessionVersion instanceof Number version) || version.longValue() < 0
                || version.doubleValue() != version.longValue() || !(remembered instanceof Boolean rememberedFlag)) {
            return Optional.empty();
        }
        DeviceRef ref = null;
        if (device != null) {
            if (!(device instanceof String persistentId)) {
                return Optional.empty();
            }
            ref = DeviceRef.parse(persistentId).orElse(null);
            if (ref == null) {
                return Optional.empty();
            }
        }
        long id = number.longValue();
        if (id <= 0 || number.doubleValue() != id) {
            return Optional.empty();
        }
        return Optional.of(new TokenClaims(type.get(), jwt.getId(), id, jwt.getIssuedAt(), jwt.getExpiresAt(), ref,
                list.stream().map(String.class::cast).toList(), authTime, version.longValue(), otpTime,
                rememberedFlag));
    }

    private static Instant epochSeconds(Object value) {
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof Number number) {
            return Instant.ofEpochSecond(number.longValue());
        }
        return null;
    }
}
