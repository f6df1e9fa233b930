package io.otpgate.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.otpgate.reliability.UserJournal.Op;
import io.otpgate.reliability.UserJournal.Outcome;

/**
 * Scenario 2's short form in the build: one server of the packaged jar on the embedded H2 database, 4 client threads
 * with 2 users each running enrolments, confirmations, recovery-code logins and deletions, 3 SIGKILLs at random
 * moments (0.5 to 1.5 s of load apart) with a restart after each, a last SIGKILL, then the H2 file read and checked
 * against what every client saw. {@code reliability/run crash-safety} runs the same code with 20 kills.
 */
class CrashSafetyIT {

    static final int KILLS = 3;

    @BeforeAll
    static void requirements() {
        ExternalPrograms.requireServerJar();
    }

    @Test
    void crashSafetyWhenKilledUnderLoadThenDatabaseHasNoInconsistency() throws Exception {
        CrashSafety.Result result = CrashSafety.execute(new CrashSafety.Options(KILLS, 4, 2, Duration.ofMillis(500),
                Duration.ofMillis(1500), false, System.nanoTime() & Integer.MAX_VALUE, false));
        result.report().print(System.out);

        assertThat(result.load().kills()).isEqualTo(KILLS);
        assertThat(result.load().restartNanos()).hasSize(KILLS);
        for (String check : CrashChecks.CHECKS) {
            assertThat(result.findings().details(check)).as(check).isEmpty();
        }
        for (String check : CrashLoad.LIVE_CHECKS) {
            assertThat(result.findings().details(check)).as(check).isEmpty();
        }
        assertThat(result.findings().details(CrashSafety.API_CHECK)).isEmpty();
        assertThat(result.findings().total()).isZero();
        for (Op op : new Op[] {Op.LOGIN, Op.CREATE, Op.PROBE_PENDING, Op.CONFIRM, Op.RECOVERY_LOGIN,
                Op.PROBE_REPLAY, Op.DELETE}) {
            assertThat(result.count(op, op == Op.PROBE_PENDING || op == Op.PROBE_REPLAY ? Outcome.REFUSED
                    : Outcome.OK)).as(op.label() + " answered as it must").isPositive();
        }
        assertThat(result.count(Op.PROBE_PENDING, Outcome.OK)).as("pending codes accepted").isZero();
        assertThat(result.count(Op.PROBE_REPLAY, Outcome.OK)).as("replayed codes accepted").isZero();
        assertThat(result.report().failures()).isEmpty();
    }
}
