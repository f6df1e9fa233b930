package io.otpgate.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scenario 6's short form in the build, its H2 half: a small workload on one server on the embedded H2 database,
 * then H2's SCRIPT holds no secret the clients knew. The PostgreSQL half is {@link TwoInstancesIT}, which checks its
 * pg_dump with the same code. {@code reliability/run secrets-at-rest} runs both halves with more rounds.
 */
class SecretsAtRestIT {

    @BeforeAll
    static void requirements() {
        ExternalPrograms.requireServerJar();
    }

    @Test
    void h2ScriptWhenWorkloadRanThenNoSecretInIt() throws Exception {
        SecretsAtRestScenario.H2Result result = SecretsAtRestScenario.onH2(new SecretsAtRestScenario.Options(5, 2,
                false));
        result.report().print(System.out);

        // 7 users with 8 secrets each, the API's new devices (1 secret, 5 codes each), the two keys.
        assertThat(result.secrets().values()).isEqualTo(7 * 8 + 2 * 6 + 2);
        assertThat(result.secrets().findings()).isEmpty();
        assertThat(result.secrets().bytesScanned()).isGreaterThan(10_000);
        assertThat(result.workload().loginFailures()).isZero();
        assertThat(result.workload().totp().successes).isEqualTo(5);
        assertThat(result.workload().recovery().successes).isEqualTo(5);
        assertThat(result.workload().totp().doubleAccepts + result.workload().recovery().doubleAccepts).isZero();
        assertThat(result.workload().deletions().checks()).isEqualTo(20);
        assertThat(result.workload().deletions().violations()).isZero();
        assertThat(result.report().failures()).isEmpty();
    }
}
