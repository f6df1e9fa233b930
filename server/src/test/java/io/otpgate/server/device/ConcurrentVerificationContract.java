package io.otpgate.server.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.RepeatedTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.spring.recovery.RecoveryCodeService;
import io.otpgate.spring.totp.TotpEnrolment;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.PendingSetups;
import io.otpgate.spring.device.VerificationService;

/** Twenty requests carry one valid code at the same moment: exactly one is accepted. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {"spring.datasource.hikari.maximum-pool-size=24", "logging.level.otpgate.security=WARN"})
abstract class ConcurrentVerificationContract {

    static final int THREADS = 20;

    @Autowired VerificationService verification;
    @Autowired UserService userService;
    @Autowired TotpEnrolment enrolment;
    @Autowired RecoveryCodeService recoveryCodes;

    User newUser() {
        return userService.create(NewUser.named("race-" + System.nanoTime()), "correct horse");
    }

    @RepeatedTest(3)
    void verifyWhenTwentyThreadsCarryOneTotpCodeThenExactlyOneSucceeds() throws Exception {
        User user = newUser();
        OtpSecret secret = enrolment.enrol(user, "phone", true, null).uri().secret();
        String code = Totp.defaults().generate(secret, java.time.Instant.now());
        Supplier<VerificationOutcome> attempt =
                () -> verification.verify(user.id(), code, EnumSet.of(DeviceKind.TOTP), PendingSetups.NONE, null);

        Map<Class<?>, Integer> outcomes = ConcurrentVerification.race(Collections.nCopies(THREADS, attempt));

        assertThat(outcomes.get(VerificationOutcome.Verified.class)).as("%s", outcomes).isEqualTo(1);
        assertThat(outcomes.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(THREADS);
    }

    @RepeatedTest(3)
    void verifyWhenTwentyThreadsCarryOneRecoveryCodeThenExactlyOneSucceeds() throws Exception {
        User user = newUser();
        String code = recoveryCodes.issue(user.id(), 5, false, null).codes().get(0);
        Supplier<VerificationOutcome> attempt =
                () -> verification.verify(user.id(), code, EnumSet.of(DeviceKind.STATIC), PendingSetups.NONE, null);

        Map<Class<?>, Integer> outcomes = ConcurrentVerification.race(Collections.nCopies(THREADS, attempt));

        assertThat(outcomes.get(VerificationOutcome.Verified.class)).as("%s", outcomes).isEqualTo(1);
    }

    @RepeatedTest(2)
    void verifyWhenTwentyThreadsCarryDifferentValidRecoveryCodesThenEachIsAcceptedOnce() throws Exception {
        User user = newUser();
        List<String> codes = recoveryCodes.issue(user.id(), THREADS, false, null).codes();
        List<Supplier<VerificationOutcome>> attempts = codes.stream().<Supplier<VerificationOutcome>>map(
                code -> () -> verification.verify(user.id(), code, EnumSet.of(DeviceKind.STATIC), PendingSetups.NONE, null))
                .toList();

        Map<Class<?>, Integer> outcomes = ConcurrentVerification.race(attempts);

        // The user's row lock orders them: none is lost to a race, none refused.
        assertThat(outcomes).as("%s", outcomes).containsOnlyKeys(VerificationOutcome.Verified.class);
    }
}
