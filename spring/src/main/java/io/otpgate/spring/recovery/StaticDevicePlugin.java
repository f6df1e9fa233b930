package io.otpgate.spring.recovery;

import java.time.Instant;
import java.util.List;
import java.util.function.Function;

import org.springframework.stereotype.Component;

import io.otpgate.core.ThrottleState;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DevicePlugin;
import io.otpgate.spring.device.DeviceSummary;
import io.otpgate.spring.device.VerifiableDevice;

/**
 * Recovery codes as a plug-in (django-otp's {@code StaticDevice}): a code is consumed by a delete that must hit
 * exactly one row. Codes issued with a pending setup wait for it: they are never tried before, and become valid when
 * it is confirmed.
 */
@Component
class StaticDevicePlugin implements DevicePlugin {

    private final StaticDeviceRepository devices;
    private final RecoveryCodeDigests digests;

    StaticDevicePlugin(StaticDeviceRepository devices, RecoveryCodeDigests digests) {
        this.devices = devices;
        this.digests = digests;
    }

    @Override
    public DeviceKind kind() {
        return DeviceKind.STATIC;
    }

    @Override
    public List<VerifiableDevice> lockForVerification(long userId, boolean includePending) {
        return devices.lockForVerification(userId).stream().map(this::candidate).toList();
    }

    /** Recovery codes are valid only once confirmed: a pending set is never listed here. */
    private VerifiableDevice candidate(StaticDevice device) {
        return VerifiableDevice.of(device.ref(), true, device.createdAt(), device.throttle(), (code, now) -> {
            if (!devices.consume(device.id(), digests.candidates(code))) {
                return false;
            }
            devices.recordSuccess(device.id(), now);
            return true;
        });
    }

    @Override
    public List<DeviceSummary> list(long userId, Function<ThrottleState, Instant> throttledUntil) {
        return devices.findByUser(userId).stream().map(d -> new DeviceSummary(d.ref(), d.name(), d.confirmed(),
                d.codesLeft() + (d.codesLeft() == 1 ? " code left" : " codes left"), d.createdAt(), d.lastUsedAt(),
                d.throttle().failureCount(), throttledUntil.apply(d.throttle()))).toList();
    }

    @Override
    public boolean delete(long userId, long id) {
        return devices.deleteById(userId, id);
    }

    @Override
    public int deleteAll(long userId) {
        return devices.deleteByUser(userId);
    }

    @Override
    public int confirmWith(long userId) {
        return devices.confirmPending(userId);
    }
}
