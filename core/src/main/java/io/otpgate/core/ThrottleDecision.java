package io.otpgate.core;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether an attempt may be checked now. Only an {@link Allowed} attempt is checked; a refused one is not counted
 * as a failure.
 */
public sealed interface ThrottleDecision permits ThrottleDecision.Allowed, ThrottleDecision.Delayed,
        ThrottleDecision.Locked {

    /** Whether the attempt may be checked. */
    default boolean allowed() {
        return this instanceof Allowed;
    }

    /** Check the attempt. */
    record Allowed() implements ThrottleDecision {
    }

    /**
     * Too soon after the last failure; try again at {@code until}.
     *
     * @param until when the next attempt will be allowed
     * @param retryAfter how long from now that is (for an HTTP {@code Retry-After})
     * @param failureCount the consecutive failures so far
     */
    record Delayed(Instant until, Duration retryAfter, int failureCount) implements ThrottleDecision {
    }

    /**
     * The hard limit of consecutive failures is reached; no attempt is allowed until the state is reset (by an
     * administrator, or by the caller's own policy).
     *
     * @param failureCount the consecutive failures so far
     */
    record Locked(int failureCount) implements ThrottleDecision {
    }
}
