package io.otpgate.samples.formlogin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.FactorGrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.DeviceSummary;
import io.otpgate.spring.factor.OtpFactor;
import io.otpgate.spring.factor.PolicyProperties;
import io.otpgate.spring.factor.StepUp;
import io.otpgate.spring.factor.StepUp.Action;
import io.otpgate.spring.factor.StepUp.Decision;

/** The library's step-up rule on its own: the window's edge, the recovery-code rule, and the challenge. */
class StepUpRuleTest {

    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private final StepUp stepUp = new StepUp(policy(Duration.ofMinutes(5)), Clock.fixed(NOW, ZoneOffset.UTC));

    @ParameterizedTest
    @CsvSource(textBlock = """
            PT0S,       TOTP,   TURN_OFF,           FRESH
            PT5M,       TOTP,   TURN_OFF,           FRESH
            PT5M0.001S, TOTP,   TURN_OFF,           STALE
            PT1H,       HOTP,   NEW_RECOVERY_CODES, STALE
            PT1M,       STATIC, NEW_RECOVERY_CODES, FRESH
            PT1M,       STATIC, ADD_DEVICE,         FRESH
            PT1M,       STATIC, REMOVE_DEVICE,      FRESH
            PT1M,       STATIC, REMOVE_LAST_DEVICE, DEVICE_NEEDED
            PT1M,       STATIC, TURN_OFF,           DEVICE_NEEDED
            PT6M,       STATIC, TURN_OFF,           STALE
            """)
    void decideWhenFactorOfKindProvenThisLongAgoThenDecision(Duration ago, DeviceKind kind, Action action,
            Decision expected) {
        Authentication proven = authentication(FactorGrantedAuthority.withAuthority(OtpFactor.AUTHORITY)
                .issuedAt(NOW.minus(ago)).build(), new SimpleGrantedAuthority(OtpFactor.KIND_PREFIX + kind.name()));

        assertThat(stepUp.decide(proven, action)).isEqualTo(expected);
    }

    @Test
    void decideWhenNoFactorOrOnlyARememberedBrowserThenStale() {
        assertThat(stepUp.decide(null, Action.ADD_DEVICE)).isEqualTo(Decision.STALE);
        assertThat(stepUp.decide(authentication(FactorGrantedAuthority.withAuthority("FACTOR_PASSWORD")
                .issuedAt(NOW).build()), Action.ADD_DEVICE)).isEqualTo(Decision.STALE);
        assertThat(stepUp.decide(authentication(FactorGrantedAuthority.withAuthority("FACTOR_OTP_REMEMBERED")
                .issuedAt(NOW).build()), Action.ADD_DEVICE)).isEqualTo(Decision.STALE);
        assertThat(stepUp.decide(authentication(new SimpleGrantedAuthority(OtpFactor.AUTHORITY)), Action.ADD_DEVICE))
                .as("a factor without a time").isEqualTo(Decision.STALE);
    }

    @Test
    void removingWhenNoOtherConfirmedAuthenticatorIsLeftThenTheLastDevice() {
        DeviceRef phone = new DeviceRef(DeviceKind.TOTP, 1);
        DeviceRef token = new DeviceRef(DeviceKind.HOTP, 2);
        DeviceRef codes = new DeviceRef(DeviceKind.STATIC, 3);
        DeviceRef pending = new DeviceRef(DeviceKind.TOTP, 4);
        List<DeviceSummary> phoneAndCodes = List.of(device(phone, true), device(codes, true), device(pending, false));
        List<DeviceSummary> phoneTokenAndCodes = List.of(device(phone, true), device(token, true), device(codes, true));

        assertThat(StepUp.removing(phone, phoneAndCodes)).isEqualTo(Action.REMOVE_LAST_DEVICE);
        assertThat(StepUp.removing(codes, phoneAndCodes)).isEqualTo(Action.REMOVE_DEVICE);
        assertThat(StepUp.removing(pending, phoneAndCodes)).isEqualTo(Action.REMOVE_DEVICE);
        assertThat(StepUp.removing(phone, phoneTokenAndCodes)).isEqualTo(Action.REMOVE_DEVICE);
    }

    @Test
    void challengeIsRfc9470sWithTheWindowInSecondsAndNoQuoteInTheDescription() {
        assertThat(stepUp.challenge("send \"a\" code\\ now\n")).isEqualTo("Bearer error="
                + "\"insufficient_user_authentication\", error_description=\"send a code now\", max_age=300");
        assertThat(new StepUp(policy(Duration.ofMillis(1500)), Clock.systemUTC()).maxAgeSeconds()).isEqualTo(2);
    }

    @Test
    void propertiesWhenWindowIsZeroOrNegativeThenRefusedNamingTheProperty() {
        assertThatThrownBy(() -> policy(Duration.ZERO)).hasMessage(
                "otpgate.policy.step-up-within must be more than zero, got PT0S");
        assertThatThrownBy(() -> policy(Duration.ofSeconds(-1))).hasMessageContaining("step-up-within");
    }

    private static PolicyProperties policy(Duration within) {
        return new PolicyProperties(List.of(), List.of(), within);
    }

    private static Authentication authentication(GrantedAuthority... authorities) {
        return new TestingAuthenticationToken("user", null, List.of(authorities));
    }

    private static DeviceSummary device(DeviceRef ref, boolean confirmed) {
        return new DeviceSummary(ref, "d" + ref.id(), confirmed, "", NOW, null, 0, null);
    }
}
