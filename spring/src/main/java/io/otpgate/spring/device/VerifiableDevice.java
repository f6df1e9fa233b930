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

    /**
     * Whether a code that {@link #accept} refused is one this device accepted already and that would still be in its
     * window now (a replay), rather than a wrong one. Changes nothing. A kind that cannot tell says false.
     */
    default boolean usedAlready(String code, Instant now) {
        return false;
    }

    /** What a kind does with a code for one of its devices: {@link #accept}. */
    @FunctionalInterface
    interface CodeCheck {
        boolean accept(String code, Instant now);
    }

    /** A device of any kind, described by its shared columns and its kind's check. */
    static VerifiableDevice of(DeviceRef ref, boolean confirmed, Instant createdAt, ThrottleState throttle,
            CodeCheck check) {
        return of(ref, confirmed, createdAt, throttle, check, (code, now) -> false);
    }

    /**
     * A device of any kind that can also tell a replayed code from a wrong one.
     *
     * @param usedAlready the kind's {@link #usedAlready} (it must change nothing)
     */
    static VerifiableDevice of(DeviceRef ref, boolean confirmed, Instant createdAt, ThrottleState throttle,
            CodeCheck check, CodeCheck usedAlready) {
        record Device(DeviceRef ref, boolean confirmed, Instant createdAt, ThrottleState throttle, CodeCheck check,
                CodeCheck used) implements VerifiableDevice {
            @Override
            public boolean accept(String code, Instant now) {
                return check.accept(code, now);
            }

            @Override
            public boolean usedAlready(String code, Instant now) {
                return used.accept(code, now);
            }
        }
        return new Device(ref, confirmed, createdAt, throttle, check, usedAlready);
    }
}
