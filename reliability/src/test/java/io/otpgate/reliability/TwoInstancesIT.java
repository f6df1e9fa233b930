package io.otpgate.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scenario 1's short form in the build: two server processes of the packaged jar on one throw-away PostgreSQL,
 * 20 rounds of the same TOTP code and 20 of the same recovery code sent to both at once (10 requests each), the
 * deletion checks in both directions, and the pg_dump checked for secrets. {@code reliability/run two-instances}
 * runs the same code with 1000 rounds.
 */
class TwoInstancesIT {

    static final int ROUNDS = 20;

    @BeforeAll
    static void requirements() {
        ExternalPrograms.requireServerJar();
        ExternalPrograms.requirePostgres();
    }

    @Test
    void twoInstancesWhenSameCodeSentToBothThenExactlyOneAcceptedEachRound() throws Exception {
        TwoInstances.Result result = TwoInstances.execute(new TwoInstances.Options(ROUNDS, 4, 10, false));
        result.report().print(System.out);

        TwoServerWorkload.Outcome outcome = result.outcome();
        assertThat(outcome.loginFailures()).isZero();
        for (SameCodeRounds.Tally tally : new SameCodeRounds.Tally[] {outcome.totp(), outcome.recovery()}) {
            assertThat(tally.rounds).isEqualTo(ROUNDS);
            assertThat(tally.successes).isEqualTo(ROUNDS);
            assertThat(tally.doubleAccepts).isZero();
            assertThat(tally.lostRounds).isZero();
            assertThat(tally.status5xx).isZero();
            assertThat(tally.otherStatus + tally.noAnswer).isZero();
            assertThat(tally.status400 + tally.status429).isEqualTo(ROUNDS * 19);
        }
        assertThat(outcome.latencies().count()).isEqualTo(2 * ROUNDS * 20);
        assertThat(outcome.deletions().users()).isEqualTo(4);
        assertThat(outcome.deletions().checks()).isEqualTo(40);
        assertThat(outcome.deletions().violations()).isZero();
        assertThat(outcome.deletions().setupFailures()).isZero();
        // 24 users with 8 secrets each, the API's new devices (1 secret, 5 codes each), the two keys.
        assertThat(result.secrets().values()).isEqualTo(24 * 8 + 4 * 6 + 2);
        assertThat(result.secrets().findings()).isEmpty();
        assertThat(result.secrets().bytesScanned()).isGreaterThan(10_000);
        assertThat(result.report().failures()).isEmpty();
    }
}
