package io.otpgate.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The soak's heap verdict: a planted leak is found, noise and a bounded rise are not growth, and a series too short
 * to judge is not judged. Samples as the soak takes them: every 5 minutes from 5 to 30.
 */
class HeapTrendTest {

    static final double MB = 1024 * 1024;
    static final double BOUND = HeapTrend.DEFAULT_BOUND_MB_PER_HOUR;

    @Test
    void trendWhenHeapClimbsSteadilyThenGrowth() {
        // 40 MB, plus 0.5 MB a minute (30 MB/hour), with a little scatter.
        double[] scatter = {0.3, -0.2, 0.1, -0.3, 0.2, 0.0};
        HeapTrend trend = HeapTrend.of(series(i -> 40 + 0.5 * minute(i) + scatter[i]), BOUND);

        assertThat(trend.verdict()).isEqualTo(HeapTrend.Verdict.GROWTH);
        assertThat(trend.slopeMbPerHour()).isCloseTo(30, within(3.0));
        assertThat(trend.changeMb()).isCloseTo(12.2, within(0.01));
    }

    @Test
    void trendWhenLeakIsExactlyLinearThenSlopeIsItsRateAndGrowth() {
        HeapTrend trend = HeapTrend.of(series(i -> 50 + 12.0 * minute(i) / 60), BOUND);

        assertThat(trend.slopeMbPerHour()).isCloseTo(12.0, within(1e-9));
        assertThat(trend.standardErrorMbPerHour()).isCloseTo(0, within(1e-9));
        assertThat(trend.verdict()).isEqualTo(HeapTrend.Verdict.GROWTH);
    }

    @Test
    void trendWhenHeapIsFlatWithScatterThenNoGrowth() {
        double[] values = {44.1, 45.0, 43.8, 44.6, 44.9, 44.2};
        HeapTrend trend = HeapTrend.of(series(i -> values[i]), BOUND);

        assertThat(trend.verdict()).isEqualTo(HeapTrend.Verdict.NO_GROWTH);
        assertThat(Math.abs(trend.slopeMbPerHour())).isLessThan(BOUND);
    }

    @Test
    void trendWhenGrowthIsUnderTheBoundThenNoGrowth() {
        HeapTrend trend = HeapTrend.of(series(i -> 40 + 6.0 * minute(i) / 60), BOUND);

        assertThat(trend.slopeMbPerHour()).isCloseTo(6.0, within(1e-9));
        assertThat(trend.verdict()).isEqualTo(HeapTrend.Verdict.NO_GROWTH);
    }

    @Test
    void trendWhenOneLateSampleIsHighThenNoiseNotGrowth() {
        // Flat but for the last sample, 6 MB up: a slope over the bound, but within two standard errors.
        double[] values = {40, 40.2, 39.9, 40.1, 40, 46};
        HeapTrend trend = HeapTrend.of(series(i -> values[i]), BOUND);

        assertThat(trend.slopeMbPerHour()).isGreaterThan(BOUND);
        assertThat(trend.slopeMbPerHour()).isLessThan(2 * trend.standardErrorMbPerHour());
        assertThat(trend.verdict()).isEqualTo(HeapTrend.Verdict.NO_GROWTH);
    }

    @Test
    void trendWhenSeriesIsShortThenTooShortToJudgeEvenIfItClimbs() {
        List<HeapTrend.Sample> threeSamples = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            threeSamples.add(new HeapTrend.Sample(0.25 * i, (long) ((40 + 5 * i) * MB)));
        }
        assertThat(HeapTrend.of(threeSamples, BOUND).verdict()).isEqualTo(HeapTrend.Verdict.TOO_SHORT);

        List<HeapTrend.Sample> tenMinutes = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            tenMinutes.add(new HeapTrend.Sample(2.0 * i, (long) ((40 + 5 * i) * MB)));
        }
        assertThat(HeapTrend.of(tenMinutes, BOUND).verdict()).isEqualTo(HeapTrend.Verdict.TOO_SHORT);
        assertThat(HeapTrend.of(List.of(), BOUND).verdict()).isEqualTo(HeapTrend.Verdict.TOO_SHORT);
    }

    @Test
    void describeWhenGrowingThenSaysSlopeErrorChangeSpanAndSamples() {
        HeapTrend trend = HeapTrend.of(series(i -> 50 + 12.0 * minute(i) / 60), BOUND);

        assertThat(trend.describe()).isEqualTo(
                "slope +12.0 MB/hour (standard error 0.0), last - first +5.0 MB over 25 min, 6 samples");
    }

    /** Minutes 5, 10, ..., 30. */
    static double minute(int i) {
        return 5 * (i + 1);
    }

    static List<HeapTrend.Sample> series(java.util.function.IntToDoubleFunction megabytes) {
        List<HeapTrend.Sample> samples = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            samples.add(new HeapTrend.Sample(minute(i), Math.round(megabytes.applyAsDouble(i) * MB)));
        }
        return samples;
    }
}
