package io.otpgate.spring.factor;

import java.time.Instant;
import java.util.Locale;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.FactorGrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

import io.otpgate.spring.device.DeviceKind;

/**
 * The one-time-code factor in Spring Security's terms: a verified code adds the {@link FactorGrantedAuthority}
 * {@value #AUTHORITY} to the user's {@code Authentication}, and beside it {@code OTP_TOTP}, {@code OTP_HOTP} or
 * {@code OTP_STATIC} (a recovery code), so that a policy or an {@code amr} claim can tell the kinds apart.
 */
public final class OtpFactor {

    /** The factor's authority: {@code FACTOR_OTP}. */
    public static final String AUTHORITY = "FACTOR_OTP";

    /**
     * The authority of a remembered browser: {@code FACTOR_OTP_REMEMBERED}. A browser the user trusted after a code
     * ({@code otpgate.trusted-browser.*}) grants it with the password alone. It satisfies the optional-2FA rule but
     * never stands for {@link #AUTHORITY}: a rule that asks for a fresh code asks for that one, and it is never fresh.
     */
    public static final String REMEMBERED_AUTHORITY = "FACTOR_OTP_REMEMBERED";

    /**
     * The phishing-resistant factor: a passkey proved the second factor ({@code FACTOR_WEBAUTHN}, Spring Security's
     * own {@code FactorGrantedAuthority.WEBAUTHN_AUTHORITY}), issued beside {@link #AUTHORITY} at the assertion's time.
     * A policy that wants phishing resistance requires it.
     */
    public static final String WEBAUTHN_AUTHORITY = FactorGrantedAuthority.WEBAUTHN_AUTHORITY;

    /** The prefix of the authority that names the kind of the device that proved it. */
    public static final String KIND_PREFIX = "OTP_";

    private OtpFactor() {
    }

    /** Whether the authentication carries the factor. */
    public static boolean proven(Authentication authentication) {
        return authentication != null && authentication.getAuthorities().stream()
                .anyMatch(authority -> AUTHORITY.equals(authority.getAuthority()));
    }

    /** Whether the authentication carries {@link #REMEMBERED_AUTHORITY}. */
    public static boolean remembered(Authentication authentication) {
        return authentication != null && authentication.getAuthorities().stream()
                .anyMatch(authority -> REMEMBERED_AUTHORITY.equals(authority.getAuthority()));
    }

    /**
     * Whether the optional-2FA rule is satisfied by the authentication's second factor: a code
     * ({@link #AUTHORITY}) or a remembered browser ({@link #REMEMBERED_AUTHORITY}).
     */
    public static boolean satisfied(Authentication authentication) {
        return proven(authentication) || remembered(authentication);
    }

    /**
     * The authentication without the second factor: {@value #AUTHORITY}, {@value #REMEMBERED_AUTHORITY}, the
     * {@code OTP_*} kind authorities, and {@value #WEBAUTHN_AUTHORITY} when a passkey proved the second factor
     * ({@code OTP_WEBAUTHN} beside it). The rest (the password login, roles) is kept: the application owns it.
     */
    public static Authentication withoutFactor(Authentication authentication) {
        boolean passkey = authentication.getAuthorities().stream()
                .anyMatch(a -> (KIND_PREFIX + DeviceKind.WEBAUTHN.name()).equals(a.getAuthority()));
        return authentication.toBuilder().authorities(authorities -> authorities.removeIf(a -> {
            String name = a.getAuthority();
            return name != null && (AUTHORITY.equals(name) || REMEMBERED_AUTHORITY.equals(name)
                    || name.startsWith(KIND_PREFIX) || (passkey && WEBAUTHN_AUTHORITY.equals(name)));
        })).build();
    }

    /** The authentication with {@link #REMEMBERED_AUTHORITY} added, issued at {@code at}. */
    public static Authentication addRemembered(Authentication authentication, Instant at) {
        GrantedAuthority remembered = FactorGrantedAuthority.withAuthority(REMEMBERED_AUTHORITY).issuedAt(at).build();
        return authentication.toBuilder().authorities(authorities -> {
            authorities.removeIf(a -> REMEMBERED_AUTHORITY.equals(a.getAuthority()));
            authorities.add(remembered);
        }).build();
    }

    /** The authentication with the factor added, proven at {@code at} by a device of the kind. */
    public static Authentication add(Authentication authentication, DeviceKind kind, Instant at) {
        GrantedAuthority factor = FactorGrantedAuthority.withAuthority(AUTHORITY).issuedAt(at).build();
        GrantedAuthority proof = new SimpleGrantedAuthority(KIND_PREFIX + kind.name().toUpperCase(Locale.ROOT));
        return authentication.toBuilder().authorities(authorities -> {
            authorities.removeIf(a -> AUTHORITY.equals(a.getAuthority())
                    || (a.getAuthority() != null && a.getAuthority().startsWith(KIND_PREFIX)));
            authorities.add(factor);
            authorities.add(proof);
        }).build();
    }

    /**
     * The authentication with the factor proven by a passkey at {@code at}: {@value #AUTHORITY} and
     * {@value #WEBAUTHN_AUTHORITY} (both issued at {@code at}) and {@code OTP_WEBAUTHN}, replacing any earlier proof.
     */
    public static Authentication addPasskey(Authentication authentication, Instant at) {
        Authentication withFactor = add(authentication, DeviceKind.WEBAUTHN, at);
        GrantedAuthority passkey = FactorGrantedAuthority.withAuthority(WEBAUTHN_AUTHORITY).issuedAt(at).build();
        return withFactor.toBuilder().authorities(authorities -> {
            authorities.removeIf(a -> WEBAUTHN_AUTHORITY.equals(a.getAuthority()));
            authorities.add(passkey);
        }).build();
    }
}
