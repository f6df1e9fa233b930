package io.otpgate.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.otpgate.reliability.SoakSession.Kind;

/**
 * Scenario 5's short form in the build: one server of the packaged jar on the embedded H2 database, 10 s of ramp-up,
 * then 45 s of the soak's mixed traffic at 20 requests/s, a progress line and a heap reading every 15 s. No 5xx, an
 * error rate under 0.1 %, every kind of request sent, the heap read 4 times. Over 45 s the heap trend is not judged
 * (too short: {@link HeapTrendTest} shows the verdict on planted series). {@code reliability/run soak} runs the same
 * code for 30 minutes at 200 requests/s. PostgreSQL is left to {@code TwoInstancesIT} and the full run: a second
 * server here would double the test's CPU for little.
 */
class SoakIT {

    static final int RATE = 20;
    static final int SECONDS = 45;

    @BeforeAll
    static void requirements() {
        ExternalPrograms.requireServerJar();
    }

    @Test
    void soakWhenMixedTrafficAtFixedRateThenNo5xxAndErrorRateUnderLimit() throws Exception {
        Soak.Result result = Soak.execute(new Soak.Options(Duration.ofSeconds(10), Duration.ofSeconds(SECONDS),
                Duration.ofSeconds(15), 1, RATE, Soak.Databases.H2, HeapTrend.DEFAULT_BOUND_MB_PER_HOUR, false,
                System.out));
        result.report().print(System.out);

        assertThat(result.runs()).hasSize(1);
        Soak.Run run = result.runs().get(0);
        SoakTally total = run.load.total();
        assertThat(run.warmUp.failures()).isZero();
        assertThat(total.requests()).isEqualTo((long) RATE * SECONDS);
        assertThat(total.sent).isEqualTo(total.requests());
        assertThat(total.status5xx).isZero();
        assertThat(total.errorRate()).isLessThanOrEqualTo(Soak.ERROR_RATE_LIMIT);
        assertThat(total.answers()).isGreaterThan(total.sent * 99 / 100);
        for (Kind kind : new Kind[] {Kind.STATUS, Kind.TOTP_LOGIN, Kind.ME, Kind.REFRESH, Kind.TOKEN}) {
            assertThat(total.sentByKind.getOrDefault(kind, 0L)).as("%s sent", kind).isPositive();
        }
        assertThat(run.rows).hasSize(3);
        assertThat(run.rows.stream().mapToLong(row -> row.tally().sent).sum()).isEqualTo(total.sent);
        assertThat(run.heap).hasSize(4);
        assertThat(run.heap).allSatisfy(sample -> {
            assertThat(sample.reading().heapAfterGc()).isBetween(5L << 20, 2L << 30);
            assertThat(sample.reading().rss()).isGreaterThan(sample.reading().heapAfterGc());
        });
        assertThat(run.trend(HeapTrend.DEFAULT_BOUND_MB_PER_HOUR).verdict()).isEqualTo(HeapTrend.Verdict.TOO_SHORT);
        assertThat(result.report().failures()).isEmpty();
    }
}
