package io.otpgate.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.otpgate.reliability.SoakSession.Kind;

/**
 * What fails a soak run ({@link Soak#judge}): a single 5xx, an error rate over 0.1 %, a heap that grows; and a run
 * at 0.1 % exactly, with a flat heap, passes.
 */
class SoakVerdictTest {

    static final HeapTrend FLAT = HeapTrend.of(HeapTrendTest.series(i -> 44 + (i % 2) * 0.3),
            HeapTrend.DEFAULT_BOUND_MB_PER_HOUR);

    @Test
    void judgeWhenEveryRequestAnsweredAndHeapFlatThenPasses() {
        Report report = judge(tally(100_000, 0, 0, 0), FLAT);

        assertThat(report.failures()).isEmpty();
    }

    @Test
    void judgeWhenErrorRateIsAtTheLimitThenPasses() {
        // 100 errors in 100 000 requests: 0.1 %, the most allowed.
        Report report = judge(tally(100_000, 0, 60, 40), FLAT);

        assertThat(report.failures()).isEmpty();
    }

    @Test
    void judgeWhenErrorRateIsOverTheLimitThenFails() {
        Report report = judge(tally(100_000, 0, 60, 41), FLAT);

        assertThat(report.failures()).singleElement().asString()
                .isEqualTo("h2: error rate 0.101 % <= 0.1 %");
    }

    @Test
    void judgeWhenOne5xxThenFailsAlthoughTheRateIsLow() {
        Report report = judge(tally(100_000, 1, 0, 0), FLAT);

        assertThat(report.failures()).containsExactly("h2: 5xx = 1 (must be 0)");
    }

    @Test
    void judgeWhenHeapGrowsThenFails() {
        HeapTrend growing = HeapTrend.of(HeapTrendTest.series(i -> 40 + 0.5 * HeapTrendTest.minute(i)),
                HeapTrend.DEFAULT_BOUND_MB_PER_HOUR);

        Report report = judge(tally(100_000, 0, 0, 0), growing);

        assertThat(report.failures()).singleElement().asString()
                .startsWith("h2: the heap does not grow (slope +30.0 MB/hour");
    }

    @Test
    void judgeWhenNothingWasSentThenFails() {
        Report report = judge(new SoakTally(true), FLAT);

        assertThat(report.failures()).containsExactly("h2: requests were sent");
    }

    @Test
    void tallyWhenErrorsOfEveryKindThenEachCountsOnce() {
        SoakTally tally = new SoakTally(true);
        for (int i = 0; i < 10; i++) {
            tally.sent(Kind.ME, false, 0);
        }
        tally.answered(Kind.ME, 200, true, 1_000_000);
        tally.answered(Kind.ME, 200, false, 1_000_000);
        tally.answered(Kind.ME, 401, false, 1_000_000);
        tally.answered(Kind.ME, 503, false, 1_000_000);
        tally.failed(Kind.ME, true, 10_000_000_000L);
        tally.failed(Kind.ME, false, 1_000_000);
        tally.unsent(2);

        assertThat(tally.requests()).isEqualTo(12);
        assertThat(tally.answers()).isEqualTo(4);
        assertThat(List.of(tally.status2xx, tally.status4xx, tally.status5xx, tally.badAnswers, tally.timeouts,
                tally.noAnswer)).containsExactly(2L, 1L, 1L, 1L, 1L, 1L);
        // a 200 with a wrong body, a 401, a 503, a timeout, no answer, two not sent
        assertThat(tally.errors()).isEqualTo(7);
        assertThat(tally.errorsByKind).containsEntry(Kind.ME, 5L);
        assertThat(tally.latencies.count()).isEqualTo(6);
    }

    static Report judge(SoakTally tally, HeapTrend trend) {
        Report report = new Report("test");
        Soak.judge(report, "h2", tally, trend);
        return report;
    }

    /** {@code requests} sent; then {@code fivexx} 503s, {@code timeouts} timeouts, {@code noAnswer} resets. */
    static SoakTally tally(int requests, int fivexx, int timeouts, int noAnswer) {
        SoakTally tally = new SoakTally(false);
        for (int i = 0; i < requests; i++) {
            tally.sent(Kind.ME, false, 0);
            if (i < fivexx) {
                tally.answered(Kind.ME, 503, false, 1_000_000);
            } else if (i < fivexx + timeouts) {
                tally.failed(Kind.ME, true, 10_000_000_000L);
            } else if (i < fivexx + timeouts + noAnswer) {
                tally.failed(Kind.ME, false, 1_000_000);
            } else {
                tally.answered(Kind.ME, 200, true, 1_000_000);
            }
        }
        return tally;
    }
}
