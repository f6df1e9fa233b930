package io.otpgate.spring.device;

import java.time.Instant;

import io.otpgate.core.ThrottleState;

/** A device that a code may belong to, locked by the verification transaction ({@link DevicePlugin}). */
public interface VerifiableDevice {

    DeviceRef ref();

    boolean confirmed();

    /** When the device was set up: a pending setup is tried only for a while. */
    Instant createdAt();

    ThrottleState throttle();

    /**
     * Checks the code and, if it matches, records its use in the same transaction (the step, counter or consumed
     * code, a cleared throttle, confirmation). The write is conditional, so a code is accepted at most once.
     *
     * @param code as typed; a kind refuses a code of the wrong shape without computing anything
     * @return false if the code does not match or was used already
     */
    boolean accept(String code, Instant now);
}
