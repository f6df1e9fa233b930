package io.otpgate.spring.device;

import java.time.Duration;
import java.time.Instant;

/** What became of a second-factor attempt. Expected failures are values, not exceptions. */
public sealed interface VerificationOutcome {

    /**
     * The code was accepted (and can never be accepted again).
     *
     * @param device the device whose code it was
     * @param confirmedNow whether this first use confirmed the device
     * @param wrongCodes wrong codes tried since the user's previous success, not counting the user's own mistypes
     *     just before this one (from the same address): someone else knows the password; tell the user
     */
    record Verified(DeviceRef device, boolean confirmedNow, int wrongCodes) implements VerificationOutcome {

        public Verified(DeviceRef device, boolean confirmedNow) {
            this(device, confirmedNow, 0);
        }
    }

    /**
     * The code was checked and refused.
     *
     * @param retryAfter how long until the next attempt will be checked
     * @param accountLocked whether this failure reached the account's limit
     */
    record Rejected(Duration retryAfter, boolean accountLocked) implements VerificationOutcome {
    }

    /**
     * The code was not checked: it came during a throttling delay, and was not counted.
     *
     * @param retryAfter how long to wait
     */
    record Throttled(Duration retryAfter) implements VerificationOutcome {
    }

    /**
     * The code was not checked: the account's second factor is locked after too many failures.
     *
     * @param until when the lock ends by itself, or null if only an operator can lift it
     */
    record Locked(Instant until) implements VerificationOutcome {
    }

    /**
     * The code is a TOTP device's code of a time step at or before the last one accepted, still inside the window:
     * the same code sent twice (a double submit, or a code someone saw and relayed), or an older code typed after a
     * newer one. Refused, but not counted as a failure: it proves no guessing, and a user who pressed twice must not
     * see a warning of wrong codes at the next login.
     */
    record Replayed() implements VerificationOutcome {
    }

    /** The user has no device of the kinds asked for (or no such user): nothing was checked. */
    record NoDevice() implements VerificationOutcome {
    }
}
