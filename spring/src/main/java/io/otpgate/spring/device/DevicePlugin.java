package io.otpgate.spring.device;

import java.time.Instant;
import java.util.List;
import java.util.function.Function;

import io.otpgate.core.ThrottleState;

/**
 * One kind of device as a plug-in, as django-otp's {@code Device} subclasses and Spring Security's
 * {@code AuthenticationProvider}s: it owns its table, how a code is checked against one of its devices, and what a
 * use changes. The verification transaction ({@link VerificationService}) and the device listing
 * ({@link DeviceService}) know only this interface: a new kind is a new package with a bean that implements it.
 *
 * <p>Every method joins the caller's transaction.
 */
public interface DevicePlugin {

    /** The kind this plug-in owns; one plug-in per kind. */
    DeviceKind kind();

    /**
     * The user's devices of this kind that a code may belong to, oldest first, locked until the transaction ends.
     *
     * @param includePending whether unconfirmed devices are included (the caller decides which of them to try); a
     *     kind whose devices wait for another's confirmation (recovery codes) never includes them
     */
    List<VerifiableDevice> lockForVerification(long userId, boolean includePending);

    /**
     * The user's devices of this kind, oldest first, as listed to operators and users.
     *
     * @param throttledUntil when a device's next attempt will be checked, from its throttle state (null if now)
     */
    List<DeviceSummary> list(long userId, Function<ThrottleState, Instant> throttledUntil);

    /** Deletes the user's device of this kind with this id; false if the user has none such. */
    boolean delete(long userId, long id);

    /** Deletes every device of this kind of the user; returns how many. */
    int deleteAll(long userId);

    /**
     * Another device of the user was just confirmed by its first code: devices of this kind that waited for it
     * (recovery codes issued with the setup) become valid.
     *
     * @return how many devices of this kind were confirmed with it
     */
    default int confirmWith(long userId) {
        return 0;
    }
}
