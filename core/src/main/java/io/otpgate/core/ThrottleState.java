package io.otpgate.core;

import java.time.Instant;

/**
 * A device's (or an account's) run of consecutive failures: django-otp's {@code throttling_failure_count} and
 * {@code throttling_failure_timestamp}.
 *
 * @param failureCount consecutive failures, 0 or more
 * @param lastFailure when the last counted failure happened; null exactly when failureCount is 0
 */
public record ThrottleState(int failureCount, Instant lastFailure) {

    /** No failures. */
    public static final ThrottleState CLEAR = new ThrottleState(0, null);

    public ThrottleState {
        if (failureCount < 0) {
            throw new IllegalArgumentException("failureCount must be 0 or more, got " + failureCount);
        }
        if ((failureCount == 0) != (lastFailure == null)) {
            throw new IllegalArgumentException("lastFailure must be given exactly when failureCount is above 0");
        }
    }

    /** The state after one more failure at {@code now}: counted only when the attempt was allowed. */
    public ThrottleState afterFailure(Instant now) {
        Inputs.notNull(now, "now");
        return new ThrottleState(failureCount == Integer.MAX_VALUE ? failureCount : failureCount + 1, now);
    }

    /** The state after a success: every failure is forgotten. */
    public ThrottleState afterSuccess() {
        return CLEAR;
    }
}
