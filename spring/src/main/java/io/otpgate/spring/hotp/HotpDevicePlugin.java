package io.otpgate.spring.hotp;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import org.springframework.stereotype.Component;

import io.otpgate.core.HotpMatch;
import io.otpgate.core.ThrottleState;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DevicePlugin;
import io.otpgate.spring.device.DeviceSummary;
import io.otpgate.spring.device.VerifiableDevice;

/** HOTP devices as a plug-in: django-otp's {@code HOTPDevice.verify_token}, with look-ahead. */
@Component
class HotpDevicePlugin implements DevicePlugin {

    private final HotpDeviceRepository devices;

    HotpDevicePlugin(HotpDeviceRepository devices) {
        this.devices = devices;
    }

    @Override
    public DeviceKind kind() {
        return DeviceKind.HOTP;
    }

    @Override
    public List<VerifiableDevice> lockForVerification(long userId, boolean includePending) {
        return devices.lockForVerification(userId, includePending).stream()
                .map(this::candidate).toList();
    }

    private VerifiableDevice candidate(HotpDevice device) {
        return VerifiableDevice.of(device.ref(), device.confirmed(), device.createdAt(), device.throttle(),
                (code, now) -> {
                    Optional<HotpMatch> match = device.hotp().verify(devices.secret(device), code, device.counter(),
                            device.tolerance());
                    return match.isPresent()
                            && devices.recordSuccess(device.id(), device.counter(), match.get().nextCounter(), now);
                });
    }

    @Override
    public List<DeviceSummary> list(long userId, Function<ThrottleState, Instant> throttledUntil) {
        return devices.findByUser(userId).stream().map(d -> new DeviceSummary(d.ref(), d.name(), d.confirmed(),
                d.algorithm() + ", " + d.digits() + " digits, counter " + d.counter(), d.createdAt(), d.lastUsedAt(),
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
}
