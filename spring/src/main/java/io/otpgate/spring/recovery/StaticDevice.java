package io.otpgate.spring.recovery;

import java.time.Instant;

import io.otpgate.core.ThrottleState;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;

/**
 * A set of recovery codes (django-otp's {@code StaticDevice}).
 *
 * @param confirmed false while the codes wait for a pending TOTP setup to be confirmed
 * @param codesLeft how many unused codes remain
 */
public record StaticDevice(long id, long userId, String name, boolean confirmed, ThrottleState throttle,
        Instant createdAt, Instant lastUsedAt, int codesLeft) {

    public DeviceRef ref() {
        return new DeviceRef(DeviceKind.STATIC, id);
    }
}
