package io.otpgate.reliability;

import java.util.List;
import java.util.Locale;

/**
 * Whether a series of heap sizes after a full GC grows: the least-squares slope in MB per hour, its standard error,
 * and the change from the first sample to the last. A series grows when its slope is over a bound <em>and</em>
 * clearly outside the noise (more than two standard errors): a flat series with one high sample does not grow, a
 * steady climb of a few hundred kB a minute does.
 *
 * <p>A series that is too short (fewer than {@link #MIN_SAMPLES} samples, or spanning less than
 * {@link #MIN_SPAN_MINUTES} minutes) is not judged: over 45 seconds, one megabyte of scatter is already a slope of 80
 * MB/hour.
 */
public final class HeapTrend {

    /** The growth bound, in MB per hour: 240 MB a day, a 512 MB heap filled in two days. */
    public static final double DEFAULT_BOUND_MB_PER_HOUR = 10;
    public static final int MIN_SAMPLES = 4;
    public static final double MIN_SPAN_MINUTES = 15;

    private static final double MB = 1024 * 1024;

    /** One sample: minutes since the load started, and bytes. */
    public record Sample(double minutes, long bytes) {
    }

    /** The judgement. */
    public enum Verdict {
        /** The slope is under the bound, or within two standard errors of 0. */
        NO_GROWTH("no growth trend"),
        /** The slope is over the bound and more than two standard errors from 0. */
        GROWTH("GROWTH"),
        /** Too few samples, or too short a span, to judge. */
        TOO_SHORT("too short to judge");

        private final String text;

        Verdict(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private final int samples;
    private final double spanMinutes;
    private final double slopeMbPerHour;
    private final double standardErrorMbPerHour;
    private final double changeMb;
    private final double boundMbPerHour;

    private HeapTrend(int samples, double spanMinutes, double slopeMbPerHour, double standardErrorMbPerHour,
            double changeMb, double boundMbPerHour) {
        this.samples = samples;
        this.spanMinutes = spanMinutes;
        this.slopeMbPerHour = slopeMbPerHour;
        this.standardErrorMbPerHour = standardErrorMbPerHour;
        this.changeMb = changeMb;
        this.boundMbPerHour = boundMbPerHour;
    }

    /**
     * Fits a line to the samples.
     *
     * @param series in time order; may be empty
     * @param boundMbPerHour growth above this is a failure (if outside the noise), 0 or more
     */
    public static HeapTrend of(List<Sample> series, double boundMbPerHour) {
        if (boundMbPerHour < 0 || Double.isNaN(boundMbPerHour)) {
            throw new IllegalArgumentException("boundMbPerHour must be 0 or more, got " + boundMbPerHour);
        }
        int n = series.size();
        if (n < 2) {
            return new HeapTrend(n, 0, 0, 0, 0, boundMbPerHour);
        }
        double meanHours = 0;
        double meanMb = 0;
        for (Sample sample : series) {
            meanHours += sample.minutes() / 60;
            meanMb += sample.bytes() / MB;
        }
        meanHours /= n;
        meanMb /= n;
        double sxx = 0;
        double sxy = 0;
        for (Sample sample : series) {
            double dx = sample.minutes() / 60 - meanHours;
            sxx += dx * dx;
            sxy += dx * (sample.bytes() / MB - meanMb);
        }
        double slope = sxx == 0 ? 0 : sxy / sxx;
        double standardError = 0;
        if (n > 2 && sxx > 0) {
            double residuals = 0;
            for (Sample sample : series) {
                double fitted = meanMb + slope * (sample.minutes() / 60 - meanHours);
                double residual = sample.bytes() / MB - fitted;
                residuals += residual * residual;
            }
            standardError = Math.sqrt(residuals / (n - 2) / sxx);
        }
        double span = series.get(n - 1).minutes() - series.get(0).minutes();
        double change = (series.get(n - 1).bytes() - series.get(0).bytes()) / MB;
        return new HeapTrend(n, span, slope, standardError, change, boundMbPerHour);
    }

    public Verdict verdict() {
        if (samples < MIN_SAMPLES || spanMinutes < MIN_SPAN_MINUTES) {
            return Verdict.TOO_SHORT;
        }
        boolean overBound = slopeMbPerHour > boundMbPerHour;
        boolean outsideNoise = slopeMbPerHour > 2 * standardErrorMbPerHour;
        return overBound && outsideNoise ? Verdict.GROWTH : Verdict.NO_GROWTH;
    }

    /** Least-squares slope, MB per hour. */
    public double slopeMbPerHour() {
        return slopeMbPerHour;
    }

    /** The slope's standard error, MB per hour (0 with 2 samples or fewer). */
    public double standardErrorMbPerHour() {
        return standardErrorMbPerHour;
    }

    /** Last sample minus first, MB. */
    public double changeMb() {
        return changeMb;
    }

    public double boundMbPerHour() {
        return boundMbPerHour;
    }

    public int samples() {
        return samples;
    }

    public double spanMinutes() {
        return spanMinutes;
    }

    /** {@code slope +1.2 MB/hour (standard error 0.8), last - first +0.3 MB over 25 min, 6 samples} */
    public String describe() {
        return String.format(Locale.ROOT, "slope %+.1f MB/hour (standard error %.1f), last - first %+.1f MB over "
                + "%.0f min, %d samples", slopeMbPerHour, standardErrorMbPerHour, changeMb, spanMinutes, samples);
    }
}
