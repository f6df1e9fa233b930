package io.otpgate.spring.factor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.FactorGrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

import io.otpgate.spring.device.DeviceKind;

/** What a session keeps when its second factor ends: the application's login, never otpgate's authorities. */
class OtpFactorWithoutFactorTest {

    private static final Instant AT = Instant.parse("2026-12-06T12:00:00Z");

    private static Authentication login(GrantedAuthority... more) {
        List<GrantedAuthority> authorities = new ArrayList<>(List.of(
                FactorGrantedAuthority.withAuthority(FactorGrantedAuthority.PASSWORD_AUTHORITY).issuedAt(AT).build(),
                new SimpleGrantedAuthority("ROLE_USER")));
        authorities.addAll(List.of(more));
        return UsernamePasswordAuthenticationToken.authenticated("alice", null, authorities);
    }

    private static List<String> names(Authentication authentication) {
        return authentication.getAuthorities().stream().map(GrantedAuthority::getAuthority).toList();
    }

    @Test
    void withoutFactorWhenACodeProvedItThenTheCodeAndItsKindGoAndThePasswordStays() {
        Authentication result = OtpFactor.withoutFactor(OtpFactor.add(login(), DeviceKind.TOTP, AT));

        assertThat(names(result)).containsExactlyInAnyOrder(FactorGrantedAuthority.PASSWORD_AUTHORITY, "ROLE_USER");
        assertThat(OtpFactor.satisfied(result)).isFalse();
        assertThat(result.getName()).isEqualTo("alice");
    }

    @Test
    void withoutFactorWhenAPasskeyProvedItThenItsWebAuthnFactorGoesToo() {
        Authentication result = OtpFactor.withoutFactor(OtpFactor.addPasskey(login(), AT));

        assertThat(names(result)).containsExactlyInAnyOrder(FactorGrantedAuthority.PASSWORD_AUTHORITY, "ROLE_USER");
    }

    @Test
    void withoutFactorWhenARememberedBrowserGrantedItThenItGoes() {
        Authentication result = OtpFactor.withoutFactor(OtpFactor.addRemembered(login(), AT));

        assertThat(names(result)).containsExactlyInAnyOrder(FactorGrantedAuthority.PASSWORD_AUTHORITY, "ROLE_USER");
    }

    @Test
    void withoutFactorWhenTheApplicationsOwnPasskeyLoginGrantedWebAuthnThenItStays() {
        Authentication passkeyLogin = login(FactorGrantedAuthority.withAuthority(OtpFactor.WEBAUTHN_AUTHORITY)
                .issuedAt(AT).build());

        Authentication result = OtpFactor.withoutFactor(OtpFactor.addRemembered(passkeyLogin, AT));

        assertThat(names(result)).containsExactlyInAnyOrder(FactorGrantedAuthority.PASSWORD_AUTHORITY, "ROLE_USER",
                OtpFactor.WEBAUTHN_AUTHORITY);
    }
}
