package io.otpgate.server.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;

import io.otpgate.core.Hotp;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.spring.audit.SecurityEvent;
import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.hotp.HotpDeviceRepository;
import io.otpgate.spring.recovery.RecoveryCodeService;
import io.otpgate.server.system.TestClock;
import io.otpgate.spring.totp.TotpEnrolment;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserRepository;
import io.otpgate.server.user.UserService;
import io.otpgate.spring.device.DeviceSummary;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.PendingSetups;
import io.otpgate.spring.device.VerificationService;

/**
 * The verification service's promises, run on each database by a subclass: accept once, window and drift, the
 * django-otp throttle, the account limit, confirmation on first use, recovery codes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {"otpgate.verification.account-failure-limit=5", "otpgate.verification.account-lock-duration=1h"})
@Import(TestClock.Config.class)
abstract class VerificationServiceContract {

    static final Set<DeviceKind> TOTP = EnumSet.of(DeviceKind.TOTP);
    static final Set<DeviceKind> STATIC = EnumSet.of(DeviceKind.STATIC);
    static final Set<DeviceKind> ALL = EnumSet.allOf(DeviceKind.class);

    @Autowired VerificationService verification;
    @Autowired UserService userService;
    @Autowired UserRepository users;
    @Autowired TotpEnrolment enrolment;
    @Autowired RecoveryCodeService recoveryCodes;
    @Autowired HotpDeviceRepository hotpDevices;
    @Autowired DeviceService devices;
    @Autowired SecurityEvents events;
    @Autowired JdbcClient jdbc;
    @Autowired TestClock clock;

    private static int userCounter;
    User user;

    @BeforeEach
    void newUser() {
        clock.set(Instant.parse("2026-01-01T00:00:00Z"));
        user = userService.create(NewUser.named("user" + (++userCounter) + "-" + System.nanoTime()), "correct horse");
    }

    /** A confirmed TOTP device with default settings; returns its secret. */
    OtpSecret confirmedTotp() {
        return enrolment.enrol(user, "phone", true, null).uri().secret();
    }

    String code(OtpSecret secret, Duration offset) {
        return Totp.defaults().generate(secret, clock.instant().plus(offset));
    }

    VerificationOutcome verify(String code, Set<DeviceKind> kinds) {
        return verification.verify(user.id(), code, kinds, PendingSetups.NONE, "192.0.2.1");
    }

    @Test
    void verifyWhenCurrentCodeThenAcceptedOnce() {
        OtpSecret secret = confirmedTotp();
        String code = code(secret, Duration.ZERO);
        assertThat(users.findProfile(user.id()).orElseThrow().otpEnabled()).isTrue();

        assertThat(verify(code, TOTP)).isInstanceOf(VerificationOutcome.Verified.class);
        assertThat(verify(code, TOTP)).isInstanceOf(VerificationOutcome.Replayed.class);
    }

    @Test
    void verifyWhenAcceptedCodeSentAgainThenRefusedButNoFailureCountedOrLogged() {
        OtpSecret secret = confirmedTotp();
        String code = code(secret, Duration.ZERO);
        assertThat(verify(code, TOTP)).isInstanceOf(VerificationOutcome.Verified.class);

        for (int i = 0; i < 5; i++) {
            assertThat(verify(code, TOTP)).isInstanceOf(VerificationOutcome.Replayed.class);
        }

        assertThat(jdbc.sql("select failure_count from otpgate_account where id = ?").param(user.id())
                .query(Integer.class).single()).isZero();
        assertThat(jdbc.sql("select count(*) from otpgate_failure where account_id = ?").param(user.id())
                .query(Integer.class).single()).isZero();
        assertThat(jdbc.sql("select count(*) from otpgate_security_event where account_id = ? and kind = 'OTP_FAILED'")
                .param(user.id()).query(Integer.class).single()).isZero();
        // A wrong code is still a failure, and the next step's code still works.
        assertThat(verify(code.equals("000000") ? "111111" : "000000", TOTP))
                .isInstanceOf(VerificationOutcome.Rejected.class);
        clock.advance(Duration.ofSeconds(30));
        assertThat(verify(code(secret, Duration.ZERO), TOTP)).isInstanceOf(VerificationOutcome.Verified.class);
    }

    @Test
    void verifyWhenCodeOfNextStepThenAcceptedAndDriftRecorded() {
        OtpSecret secret = confirmedTotp();

        assertThat(verify(code(secret, Duration.ofSeconds(30)), TOTP))
                .isInstanceOf(VerificationOutcome.Verified.class);
        assertThat(jdbc.sql("select drift from otpgate_totp_device where account_id = ?").param(user.id()).query(Integer.class)
                .single()).isEqualTo(1);
        // The code of the current step is now below the last used step + 1: refused, like django-otp.
        clock.advance(Duration.ofSeconds(5));
        assertThat(verify(code(secret, Duration.ZERO), TOTP)).isInstanceOf(VerificationOutcome.Replayed.class);
    }

    @Test
    void verifyWhenCodeOutsideWindowThenRejected() {
        OtpSecret secret = confirmedTotp();

        assertThat(verify(code(secret, Duration.ofSeconds(-60)), TOTP))
                .isInstanceOf(VerificationOutcome.Rejected.class);
        clock.advance(Duration.ofSeconds(1));
        assertThat(verify(code(secret, Duration.ofSeconds(60)), TOTP))
                .isInstanceOf(VerificationOutcome.Rejected.class);
    }

    @Test
    void verifyWhenAnEarlierCodeAfterALaterOneThenRejected() {
        OtpSecret secret = confirmedTotp();
        String previous = code(secret, Duration.ofSeconds(-30));

        assertThat(verify(code(secret, Duration.ZERO), TOTP)).isInstanceOf(VerificationOutcome.Verified.class);
        assertThat(verify(previous, TOTP)).isInstanceOf(VerificationOutcome.Replayed.class);
    }

    @Test
    void verifyWhenFailuresThenDjangoThrottleScheduleAndAttemptsDuringTheDelayNotCounted() {
        OtpSecret secret = confirmedTotp();

        assertThat(verify("000000", TOTP)).isEqualTo(new VerificationOutcome.Rejected(Duration.ofSeconds(1), false));
        // During the delay even the right code is not checked, and the refusal is not counted.
        assertThat(verify(code(secret, Duration.ZERO), TOTP))
                .isEqualTo(new VerificationOutcome.Throttled(Duration.ofSeconds(1)));
        assertThat(failures()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(1));
        assertThat(verify("000001", TOTP)).isEqualTo(new VerificationOutcome.Rejected(Duration.ofSeconds(2), false));
        clock.advance(Duration.ofMillis(1500));
        assertThat(verify("000002", TOTP))
                .isEqualTo(new VerificationOutcome.Throttled(Duration.ofMillis(500)));
        clock.advance(Duration.ofMillis(500));
        assertThat(verify("000003", TOTP)).isEqualTo(new VerificationOutcome.Rejected(Duration.ofSeconds(4), false));
        assertThat(failures()).isEqualTo(3);

        clock.advance(Duration.ofSeconds(4));
        assertThat(verify(code(secret, Duration.ZERO), TOTP)).isInstanceOf(VerificationOutcome.Verified.class);
        assertThat(failures()).isZero();
        assertThat(users.findById(user.id()).orElseThrow().otpFailureCount()).isZero();
    }

    @Test
    void verifyWhenAccountLimitReachedThenLockedUntilTheLockExpires() {
        OtpSecret secret = confirmedTotp();
        for (int i = 1; i <= 5; i++) {
            VerificationOutcome outcome = verify("00000" + i, TOTP);
            assertThat(outcome).isInstanceOf(VerificationOutcome.Rejected.class);
            assertThat(((VerificationOutcome.Rejected) outcome).accountLocked()).isEqualTo(i == 5);
            clock.advance(Duration.ofMinutes(1));
        }
        Instant lockedAt = clock.instant().minus(Duration.ofMinutes(1));

        assertThat(verify(code(secret, Duration.ZERO), TOTP))
                .isEqualTo(new VerificationOutcome.Locked(lockedAt.plus(Duration.ofHours(1))));
        assertThat(kinds()).contains(SecurityEventKind.ACCOUNT_LOCKED, SecurityEventKind.OTP_REFUSED_LOCKED);

        clock.set(lockedAt.plus(Duration.ofHours(1)));
        assertThat(verify(code(secret, Duration.ZERO), TOTP)).isInstanceOf(VerificationOutcome.Verified.class);
    }

    @Test
    void verifyWhenAccountLockedThenAnOperatorUnlocks() {
        OtpSecret secret = confirmedTotp();
        for (int i = 1; i <= 5; i++) {
            verify("00000" + i, TOTP);
            clock.advance(Duration.ofMinutes(1));
        }
        assertThat(verify(code(secret, Duration.ZERO), TOTP)).isInstanceOf(VerificationOutcome.Locked.class);

        assertThat(devices.unlock(user.id(), null)).isTrue();

        assertThat(verify(code(secret, Duration.ZERO), TOTP)).isInstanceOf(VerificationOutcome.Verified.class);
        assertThat(devices.unlock(user.id(), null)).isFalse();
    }

    @Test
    void verifyWhenFailuresSpreadOverDevicesThenTheAccountLimitCountsThemAll() {
        confirmedTotp();
        List<String> codes = recoveryCodes.issue(user.id(), 10, false, null).codes();
        for (int i = 1; i <= 4; i++) {
            verify("00000" + i, TOTP);
            clock.advance(Duration.ofMinutes(30));
        }
        VerificationOutcome fifth = verify("aaaa-aaaa-aaaa-aaaa", STATIC);

        // From no known address every failure of the last 30 days counts, whatever the device: 2^4 s after the fifth.
        assertThat(fifth).isEqualTo(new VerificationOutcome.Rejected(Duration.ofSeconds(16), true));
        assertThat(verify(codes.get(0), STATIC)).isInstanceOf(VerificationOutcome.Locked.class);
    }

    @Test
    void verifyWhenPendingDeviceThenOnlyItsFirstCodeConfirmsIt() {
        OtpSecret secret = enrolment.enrol(user, "phone", false, null).uri().secret();
        List<String> codes = recoveryCodes.issue(user.id(), 5, true, null).codes();
        String code = code(secret, Duration.ZERO);

        // Until confirmed, the setup changes nothing: not a device for login, and its recovery codes do not work.
        assertThat(verify(code, TOTP)).isInstanceOf(VerificationOutcome.NoDevice.class);
        assertThat(verify(codes.get(0), STATIC)).isInstanceOf(VerificationOutcome.NoDevice.class);
        assertThat(devices.hasConfirmedDevice(user.id())).isFalse();

        VerificationOutcome outcome = verification.verify(user.id(), code, TOTP, PendingSetups.ANY, null);

        assertThat(outcome).isInstanceOf(VerificationOutcome.Verified.class);
        assertThat(((VerificationOutcome.Verified) outcome).confirmedNow()).isTrue();
        assertThat(devices.hasConfirmedDevice(user.id())).isTrue();
        assertThat(users.findProfile(user.id()).orElseThrow().otpEnabled()).isTrue();
        assertThat(verify(codes.get(0), STATIC)).isInstanceOf(VerificationOutcome.Verified.class);
        assertThat(kinds()).contains(SecurityEventKind.DEVICE_CONFIRMED);
    }

    @Test
    void enrolWhenOperatorAddsADeviceThenEarlierPendingSetupsAndTheirCodesRemoved() {
        OtpSecret planted = enrolment.enrol(user, "planted", false, null).uri().secret();
        List<String> plantedCodes = recoveryCodes.issue(user.id(), 5, true, null).codes();

        OtpSecret added = confirmedTotp();

        assertThat(jdbc.sql("select count(*) from otpgate_totp_device where account_id = ?").param(user.id())
                .query(Long.class).single()).isEqualTo(1);
        assertThat(jdbc.sql("select count(*) from otpgate_static_device where account_id = ?").param(user.id())
                .query(Long.class).single()).isZero();
        assertThat(verification.verify(user.id(), code(planted, Duration.ZERO), TOTP, PendingSetups.ANY, null))
                .isInstanceOf(VerificationOutcome.Rejected.class);
        clock.advance(Duration.ofSeconds(1));
        assertThat(verify(plantedCodes.get(0), STATIC)).isInstanceOf(VerificationOutcome.NoDevice.class);
        clock.advance(Duration.ofSeconds(2));
        assertThat(verify(code(added, Duration.ZERO), TOTP)).isInstanceOf(VerificationOutcome.Verified.class);
    }

    @Test
    void verifyWhenPendingSetupBesideAConfirmedDeviceThenOnlyASessionThatProvedItConfirmsIt() {
        confirmedTotp();
        OtpSecret pending = enrolment.enrol(user, "second", false, null).uri().secret();
        String code = code(pending, Duration.ZERO);

        assertThat(verification.verify(user.id(), code, TOTP, PendingSetups.WHILE_NO_CONFIRMED_DEVICE, null))
                .isInstanceOf(VerificationOutcome.Rejected.class);
        clock.advance(Duration.ofSeconds(1));
        assertThat(verification.verify(user.id(), code, TOTP, PendingSetups.ANY, null))
                .isInstanceOf(VerificationOutcome.Verified.class);
        assertThat(devices.list(user.id())).filteredOn(DeviceSummary::confirmed).hasSize(2);
    }

    @Test
    void verifyWhenRecoveryCodeThenSingleUseAndTypingForgiven() {
        List<String> codes = recoveryCodes.issue(user.id(), 3, false, null).codes();
        String typed = codes.get(1).replace("-", " ").toUpperCase();

        assertThat(verify(typed, STATIC)).isInstanceOf(VerificationOutcome.Verified.class);
        clock.advance(Duration.ofSeconds(1));
        assertThat(verify(codes.get(1), STATIC)).isInstanceOf(VerificationOutcome.Rejected.class);
        clock.advance(Duration.ofSeconds(2));
        assertThat(verify(codes.get(0), ALL)).isInstanceOf(VerificationOutcome.Verified.class);
        assertThat(devices.list(user.id())).singleElement()
                .satisfies(d -> assertThat(d.description()).isEqualTo("1 code left"));
    }

    @Test
    void issueWhenCodesReplacedThenOldCodesRefused() {
        List<String> old = recoveryCodes.issue(user.id(), 3, false, null).codes();
        List<String> fresh = recoveryCodes.issue(user.id(), 3, false, null).codes();

        assertThat(verify(old.get(0), STATIC)).isInstanceOf(VerificationOutcome.Rejected.class);
        clock.advance(Duration.ofSeconds(1));
        assertThat(verify(fresh.get(0), STATIC)).isInstanceOf(VerificationOutcome.Verified.class);
    }

    @Test
    void verifyWhenHotpThenCounterMovesAndLookAheadResynchronises() {
        OtpSecret secret = OtpSecret.generate(20, new java.security.SecureRandom());
        Hotp hotp = Hotp.defaults();
        hotpDevices.insert(user.id(), "token", true, secret, hotp, 3, 0, clock.instant());

        assertThat(verify(hotp.generate(secret, 0), ALL)).isInstanceOf(VerificationOutcome.Verified.class);
        assertThat(verify(hotp.generate(secret, 0), ALL)).isInstanceOf(VerificationOutcome.Rejected.class);
        clock.advance(Duration.ofSeconds(1));
        assertThat(verify(hotp.generate(secret, 3), ALL)).isInstanceOf(VerificationOutcome.Verified.class);
        assertThat(verify(hotp.generate(secret, 2), ALL)).isInstanceOf(VerificationOutcome.Rejected.class);
        clock.advance(Duration.ofSeconds(2));
        assertThat(verify(hotp.generate(secret, 9), ALL)).isInstanceOf(VerificationOutcome.Rejected.class);
    }

    @Test
    void verifyWhenNoDeviceOrUnknownUserThenNothingIsCheckedOrCounted() {
        assertThat(verify("123456", ALL)).isInstanceOf(VerificationOutcome.NoDevice.class);
        assertThat(verification.verify(Long.MAX_VALUE, "123456", ALL, PendingSetups.ANY, null))
                .isInstanceOf(VerificationOutcome.NoDevice.class);
        assertThat(users.findById(user.id()).orElseThrow().otpFailureCount()).isZero();
    }

    @Test
    void removeAllWhenDevicesThenUserBackToPasswordOnly() {
        OtpSecret secret = confirmedTotp();
        recoveryCodes.issue(user.id(), 3, false, null);

        assertThat(devices.removeAll(user.id(), null)).isEqualTo(2);

        assertThat(verify(code(secret, Duration.ZERO), ALL)).isInstanceOf(VerificationOutcome.NoDevice.class);
        assertThat(devices.list(user.id())).isEmpty();
        assertThat(kinds()).contains(SecurityEventKind.SECOND_FACTOR_RESET);
    }

    @Test
    void verifyWhenRetriedManyTimesDuringOneWaitThenOneThrottledEventPerWait() {
        OtpSecret secret = confirmedTotp();
        verify("000000", TOTP);
        for (int i = 0; i < 50; i++) {
            assertThat(verify(code(secret, Duration.ZERO), TOTP)).isInstanceOf(VerificationOutcome.Throttled.class);
        }
        assertThat(count(SecurityEventKind.OTP_THROTTLED)).as("a flood of refusals writes one row").isEqualTo(1);

        clock.advance(Duration.ofSeconds(1));
        verify("000001", TOTP);
        verify("000002", TOTP);
        verify("000003", TOTP);

        assertThat(count(SecurityEventKind.OTP_THROTTLED)).as("the next wait writes its own").isEqualTo(2);
        assertThat(count(SecurityEventKind.OTP_FAILED)).isEqualTo(2);
    }

    @Test
    void verifyWhenRetriedManyTimesDuringALockThenOneRefusedEventPerLock() {
        OtpSecret secret = confirmedTotp();
        for (int i = 1; i <= 5; i++) {
            verify("00000" + i, TOTP);
            clock.advance(Duration.ofMinutes(1));
        }

        for (int i = 0; i < 30; i++) {
            assertThat(verify(code(secret, Duration.ZERO), TOTP)).isInstanceOf(VerificationOutcome.Locked.class);
        }

        assertThat(count(SecurityEventKind.OTP_REFUSED_LOCKED)).isEqualTo(1);
    }

    long count(SecurityEventKind kind) {
        return events.list(user.id(), kind, null, null, 1000).size();
    }

    @Test
    void verifyWhenOutcomesThenEachIsInTheSecurityLogWithoutTheCode() {
        OtpSecret secret = confirmedTotp();
        String code = code(secret, Duration.ZERO);
        verify("999999", TOTP);
        verify(code, TOTP);
        clock.advance(Duration.ofSeconds(1));
        verify(code, TOTP);

        List<SecurityEvent> log = events.list(user.id(), null, null, null, 100);
        assertThat(log).extracting(SecurityEvent::kind).containsSubsequence(SecurityEventKind.OTP_VERIFIED,
                SecurityEventKind.OTP_THROTTLED, SecurityEventKind.OTP_FAILED, SecurityEventKind.DEVICE_ADDED);
        assertThat(log).allSatisfy(e -> {
            assertThat(String.valueOf(e.detail())).doesNotContain(code).doesNotContain("999999");
            assertThat(e.username()).isEqualTo(user.username());
        });
        assertThat(log).filteredOn(e -> e.kind() == SecurityEventKind.OTP_VERIFIED).singleElement()
                .satisfies(e -> assertThat(e.clientAddress()).isEqualTo("192.0.2.1"));
    }

    private int failures() {
        return jdbc.sql("select throttling_failure_count from otpgate_totp_device where account_id = ?").param(user.id())
                .query(Integer.class).single();
    }

    private List<SecurityEventKind> kinds() {
        return events.list(user.id(), null, null, null, 1000).stream().map(SecurityEvent::kind).toList();
    }
}
