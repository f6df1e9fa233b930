package io.otpgate.spring.totp;

import java.time.Duration;
import java.time.Instant;

import io.otpgate.core.HmacAlgorithm;
import io.otpgate.core.ThrottleState;
import io.otpgate.core.Totp;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;

/**
 * A TOTP device as stored (django-otp's {@code TOTPDevice}); its secret stays sealed until verification opens it.
 *
 * @param tolerance steps accepted before and after the expected one (0..10)
 * @param drift the authenticator's measured clock offset, in steps
 * @param lastStep the last accepted time step, or -1 before the first (django-otp's {@code last_t})
 */
public record TotpDevice(long id, long userId, String name, boolean confirmed, byte[] sealedSecret,
        HmacAlgorithm algorithm, int digits, int period, long t0, int tolerance, int drift, long lastStep,
        ThrottleState throttle, Instant createdAt, Instant lastUsedAt) {

    /** No code accepted yet. */
    public static final long NO_STEP = -1;

    public DeviceRef ref() {
        return new DeviceRef(DeviceKind.TOTP, id);
    }

    /** The code generator with this device's settings. */
    public Totp totp() {
        return Totp.builder().algorithm(algorithm).digits(digits).period(Duration.ofSeconds(period)).t0(t0).build();
    }

    /** The lowest step to accept next: one after the last used step. */
    public long minStep() {
        return lastStep < 0 ? Totp.NO_MIN_STEP : lastStep + 1;
    }

    @Override
    public String toString() {
        return "TotpDevice[" + ref() + ", user " + userId + ", confirmed " + confirmed + ", secret PROTECTED]";
    }
}
