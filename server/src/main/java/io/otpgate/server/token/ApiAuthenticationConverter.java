package io.otpgate.server.token;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.FactorGrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;

import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.factor.OtpFactor;

/**
 * Turns a checked access token into an {@link ApiAuthentication}, asking the database (one query) whether the user
 * is still active, whether the token's session was not ended since (its session version is the user's), and whether
 * the device the token names still proves the second factor. Factors are Spring
 * Security 7 factor authorities: {@code FACTOR_PASSWORD} always, {@link #OTP_AUTHORITY} when the device is valid,
 * issued at the token's {@code otp_time}, with the device's kind ({@code OTP_TOTP}, {@code OTP_STATIC}, ...) beside it
 * for the step-up rule ({@link FreshSecondFactor}), and {@link #WEBAUTHN_AUTHORITY} beside it when that device is a
 * passkey.
 */
final class ApiAuthenticationConverter implements Converter<Jwt, AbstractAuthenticationToken> {

    /** The authority of a proven second factor (a TOTP, HOTP or recovery code, or a passkey). */
    static final String OTP_AUTHORITY = "FACTOR_OTP";
    /** The authority of a second factor proven by a passkey ({@link OtpFactor#WEBAUTHN_AUTHORITY}), beside it. */
    static final String WEBAUTHN_AUTHORITY = OtpFactor.WEBAUTHN_AUTHORITY;

    /** The authority of a password login from a trusted browser (claim {@code otp_remembered}); never FACTOR_OTP. */
    static final String REMEMBERED_AUTHORITY = OtpFactor.REMEMBERED_AUTHORITY;

    private final RequestAccess access;

    ApiAuthenticationConverter(RequestAccess access) {
        this.access = access;
    }

    @Override
    public AbstractAuthenticationToken convert(Jwt jwt) {
        TokenClaims claims = TokenClaims.of(jwt)
                .orElseThrow(() -> new InvalidBearerTokenException("Given token not valid for any token type"));
        RequestAccess.AccessState state = access.of(claims.userId(), claims.device())
                .orElseThrow(() -> new InvalidBearerTokenException("User not found"));
        if (!state.active()) {
            throw new InvalidBearerTokenException("User is inactive");
        }
        if (state.sessionVersion() != claims.sessionVersion()) {
            // The user's sessions were ended (a password change, a reset, "log out everywhere") after this one began.
            throw new InvalidBearerTokenException("Given token not valid for any token type");
        }
        List<GrantedAuthority> authorities = new ArrayList<>(3);
        authorities.add(FactorGrantedAuthority.withAuthority(FactorGrantedAuthority.PASSWORD_AUTHORITY)
                .issuedAt(claims.authTime()).build());
        if (state.claimedDeviceValid()) {
            // When a device last proved it (otp_time), not when the token was issued: a refresh proves nothing new.
            // A token from before the claim has no time: proven, but never fresh (the epoch).
            Instant proven = claims.otpTime() == null ? Instant.EPOCH : claims.otpTime();
            authorities.add(FactorGrantedAuthority.withAuthority(OTP_AUTHORITY).issuedAt(proven).build());
            authorities.add(new SimpleGrantedAuthority(OtpFactor.KIND_PREFIX + claims.device().kind().name()));
            if (claims.device().kind() == DeviceKind.WEBAUTHN) {
                // A passkey proved it: the phishing-resistant factor too, issued at the same time.
                authorities.add(FactorGrantedAuthority.withAuthority(WEBAUTHN_AUTHORITY).issuedAt(proven).build());
            }
        }
        if (claims.remembered()) {
            // The trusted browser was checked at the password login, under this session version (still current).
            authorities.add(FactorGrantedAuthority.withAuthority(REMEMBERED_AUTHORITY).issuedAt(claims.authTime())
                    .build());
        }
        ApiPrincipal principal = new ApiPrincipal(claims.userId(), claims.device(), state.claimedDeviceValid(),
                state.hasConfirmedDevice(), claims.authTime(), state.sessionVersion(), claims.remembered());
        return new ApiAuthentication(principal, jwt, authorities);
    }
}
