package io.otpgate.spring.factor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.FactorGrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;

class OtpFactorPasskeyTest {

    static final Instant AT = Instant.parse("2026-12-06T12:00:00Z");

    static Authentication password() {
        return UsernamePasswordAuthenticationToken.authenticated("alice", null, List.of(
                FactorGrantedAuthority.withAuthority(FactorGrantedAuthority.PASSWORD_AUTHORITY)
                        .issuedAt(AT.minusSeconds(60)).build(), new SimpleGrantedAuthority("ROLE_USER")));
    }

    @Test
    void addPasskeyWhenAddedThenOtpAndWebAuthnFactorsIssuedAtTheAssertionAndTheKind() {
        Authentication result = OtpFactor.addPasskey(password(), AT);

        assertThat(result.getAuthorities()).extracting(GrantedAuthority::getAuthority).containsExactlyInAnyOrder(
                FactorGrantedAuthority.PASSWORD_AUTHORITY, "ROLE_USER", "FACTOR_OTP", "FACTOR_WEBAUTHN",
                "OTP_WEBAUTHN");
        assertThat(result.getAuthorities()).filteredOn(a -> a.getAuthority().startsWith("FACTOR_OTP")
                || a.getAuthority().equals(OtpFactor.WEBAUTHN_AUTHORITY))
                .allSatisfy(a -> assertThat(((FactorGrantedAuthority) a).getIssuedAt()).isEqualTo(AT));
        assertThat(OtpFactor.proven(result)).isTrue();
    }

    @Test
    void addWhenCodeFollowsPasskeyThenWebAuthnFactorStaysOnlyIfAddedAgain() {
        Authentication passkey = OtpFactor.addPasskey(password(), AT);

        Authentication code = OtpFactor.add(passkey, DeviceKind.TOTP, AT.plusSeconds(10));
        Authentication again = OtpFactor.addPasskey(OtpFactor.addPasskey(password(), AT), AT.plusSeconds(10));

        assertThat(code.getAuthorities()).extracting(GrantedAuthority::getAuthority).contains("OTP_TOTP")
                .doesNotContain("OTP_WEBAUTHN");
        assertThat(again.getAuthorities()).extracting(GrantedAuthority::getAuthority)
                .containsOnlyOnce(OtpFactor.WEBAUTHN_AUTHORITY, OtpFactor.AUTHORITY, "OTP_WEBAUTHN");
    }

    @Test
    void constantsWhenReadThenTheIssuesNames() {
        assertThat(OtpFactor.WEBAUTHN_AUTHORITY).isEqualTo("FACTOR_WEBAUTHN");
        assertThat(OtpFactor.REMEMBERED_AUTHORITY).isEqualTo("FACTOR_OTP_REMEMBERED");
    }

    @Test
    void passkeyMethodsWhenFlagsVaryThenHardwareOrSoftwareKeyAndUser() {
        assertThat(OtpJwtClaims.passkeyMethods(false, false)).containsExactly("pwd", "hwk", "mfa");
        assertThat(OtpJwtClaims.passkeyMethods(true, false)).containsExactly("pwd", "hwk", "user", "mfa");
        assertThat(OtpJwtClaims.passkeyMethods(false, true)).containsExactly("pwd", "swk", "mfa");
        assertThat(OtpJwtClaims.passkeyMethods(true, true)).containsExactly("pwd", "swk", "user", "mfa");
        // Without the assertion's flags: the weaker claim.
        assertThat(OtpJwtClaims.methods(new DeviceRef(DeviceKind.WEBAUTHN, 1))).containsExactly("pwd", "swk", "mfa");
        assertThat(OtpJwtClaims.methods(new DeviceRef(DeviceKind.TOTP, 1))).containsExactly("pwd", "otp", "mfa");
    }
}
