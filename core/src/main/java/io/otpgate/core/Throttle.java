package io.otpgate.core;

import java.time.Duration;
import java.time.Instant;

/**
 * django-otp's {@code ThrottlingMixin} as a pure function: after {@code n} consecutive failures the next attempt is
 * allowed only {@code factor * 2^(n-1)} after the last failure (1 s, 2 s, 4 s ... with django-otp's default factor
 * of one second); an attempt made during the wait is refused and not counted. An optional hard limit locks after a
 * number of consecutive failures (NIST SP 800-63B §5.2.2 allows at most 100). Immutable and thread-safe.
 *
 * <pre>{@code
 * ThrottleDecision decision = throttle.check(device.throttleState(), now);
 * if (!decision.allowed()) { refuse without counting }
 * else if (verified) { device.setThrottleState(state.afterSuccess()); }
 * else { device.setThrottleState(state.afterFailure(now)); }
 * }</pre>
 */
public final class Throttle {

    /** NIST SP 800-63B §5.2.2: no more than 100 consecutive failed attempts on one account. */
    public static final int MAX_HARD_LIMIT = 100;

    private static final Duration MAX_FACTOR = Duration.ofHours(1);
    /** Past 2^40 the delay is already longer than any deployment lives; capping keeps the arithmetic exact. */
    private static final int MAX_DOUBLINGS = 40;

    private final Duration factor;
    private final int hardLimit;

    private Throttle(Duration factor, int hardLimit) {
        this.factor = factor;
        this.hardLimit = hardLimit;
    }

    /**
     * Exponential delays from {@code factor}, no hard limit. A zero factor gives no delay (django-otp's
     * {@code OTP_*_THROTTLE_FACTOR = 0}); use {@link #withHardLimit} to still bound the failures.
     *
     * @throws IllegalArgumentException if the factor is negative or over one hour
     */
    public static Throttle exponential(Duration factor) {
        Inputs.notNull(factor, "factor");
        if (factor.isNegative() || factor.compareTo(MAX_FACTOR) > 0) {
            throw new IllegalArgumentException("factor must be 0..1 hour, got " + factor);
        }
        return new Throttle(factor, 0);
    }

    /** django-otp's default: a factor of one second, no hard limit. */
    public static Throttle djangoDefault() {
        return exponential(Duration.ofSeconds(1));
    }

    /**
     * The same delays, and a lock once {@code maxFailures} consecutive failures are reached.
     *
     * @throws IllegalArgumentException if maxFailures is not 1..{@value #MAX_HARD_LIMIT}
     */
    public Throttle withHardLimit(int maxFailures) {
        return new Throttle(factor, Inputs.inRange(maxFailures, 1, MAX_HARD_LIMIT, "maxFailures"));
    }

    public Duration factor() {
        return factor;
    }

    /** The hard limit of consecutive failures, or 0 when there is none. */
    public int hardLimit() {
        return hardLimit;
    }

    /** The wait that follows {@code failureCount} consecutive failures: {@code factor * 2^(failureCount-1)}. */
    public Duration delayAfter(int failureCount) {
        if (failureCount <= 0) {
            return Duration.ZERO;
        }
        return factor.multipliedBy(1L << Math.min(failureCount - 1, MAX_DOUBLINGS));
    }

    /** Whether an attempt at {@code now} may be checked, given the failures so far. */
    public ThrottleDecision check(ThrottleState state, Instant now) {
        Inputs.notNull(state, "state");
        Inputs.notNull(now, "now");
        int failures = state.failureCount();
        if (hardLimit > 0 && failures >= hardLimit) {
            return new ThrottleDecision.Locked(failures);
        }
        if (failures == 0) {
            return new ThrottleDecision.Allowed();
        }
        Instant until = state.lastFailure().plus(delayAfter(failures));
        if (now.isBefore(until)) {
            return new ThrottleDecision.Delayed(until, Duration.between(now, until), failures);
        }
        return new ThrottleDecision.Allowed();
    }

    @Override
    public String toString() {
        return "Throttle[factor " + factor + (hardLimit > 0 ? ", hard limit " + hardLimit : "") + "]";
    }
}
