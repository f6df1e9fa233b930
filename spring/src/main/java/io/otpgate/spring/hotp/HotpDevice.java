package io.otpgate.spring.hotp;

import java.time.Instant;

import io.otpgate.core.HmacAlgorithm;
import io.otpgate.core.Hotp;
import io.otpgate.core.ThrottleState;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;

/**
 * An HOTP device as stored (django-otp's {@code HOTPDevice}).
 *
 * @param tolerance counters past the expected one that are also tried (0..100)
 * @param counter the next counter expected
 */
public record HotpDevice(long id, long userId, String name, boolean confirmed, byte[] sealedSecret,
        HmacAlgorithm algorithm, int digits, int tolerance, long counter, ThrottleState throttle, Instant createdAt,
        Instant lastUsedAt) {

    public DeviceRef ref() {
        return new DeviceRef(DeviceKind.HOTP, id);
    }

    public Hotp hotp() {
        return Hotp.of(algorithm, digits);
    }

    @Override
    public String toString() {
        return "HotpDevice[" + ref() + ", user " + userId + ", confirmed " + confirmed + ", secret PROTECTED]";
    }
}
