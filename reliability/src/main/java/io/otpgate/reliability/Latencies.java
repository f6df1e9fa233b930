package io.otpgate.reliability;

import java.util.Arrays;

/** Request latencies in nanoseconds, recorded from many threads; percentiles by sorting (exact). */
public final class Latencies {

    private long[] values = new long[1024];
    private int count;

    public synchronized void add(long nanos) {
        if (count == values.length) {
            values = Arrays.copyOf(values, count * 2);
        }
        values[count++] = nanos;
    }

    public synchronized int count() {
        return count;
    }

    /**
     * The nearest-rank percentile.
     *
     * @param percent 0 (exclusive) to 100
     * @return nanoseconds, 0 if nothing was recorded
     */
    public synchronized long percentile(double percent) {
        if (percent <= 0 || percent > 100) {
            throw new IllegalArgumentException("percent must be in (0, 100], got " + percent);
        }
        if (count == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(percent / 100 * count);
        return sorted[Math.max(0, rank - 1)];
    }

    /** {@code p50 3.1 ms, p99 12.0 ms, max 30.2 ms (4000 requests)} */
    public synchronized String summary() {
        return "p50 " + Report.millis(percentile(50)) + ", p99 " + Report.millis(percentile(99)) + ", max "
                + Report.millis(percentile(100)) + " (" + count + " requests)";
    }
}
