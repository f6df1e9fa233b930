package io.otpgate.spring.totp;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import org.springframework.stereotype.Component;

import io.otpgate.core.ThrottleState;
import io.otpgate.core.Totp;
import io.otpgate.core.TotpMatch;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DevicePlugin;
import io.otpgate.spring.device.DeviceSummary;
import io.otpgate.spring.device.VerifiableDevice;

/** TOTP devices as a plug-in: django-otp's {@code TOTPDevice.verify_token}, with {@code last_t} and drift. */
@Component
class TotpDevicePlugin implements DevicePlugin {

    private final TotpDeviceRepository devices;

    TotpDevicePlugin(TotpDeviceRepository devices) {
        this.devices = devices;
    }

    @Override
    public DeviceKind kind() {
        return DeviceKind.TOTP;
    }

    @Override
    public List<VerifiableDevice> lockForVerification(long userId, boolean includePending) {
        return devices.lockForVerification(userId, includePending).stream()
                .map(this::candidate).toList();
    }

    private VerifiableDevice candidate(TotpDevice device) {
        return VerifiableDevice.of(device.ref(), device.confirmed(), device.createdAt(), device.throttle(),
                (code, now) -> {
                    Optional<TotpMatch> match = device.totp().verify(devices.secret(device), code, now,
                            device.tolerance(), device.drift(), device.minStep());
                    return match.isPresent()
                            && devices.recordSuccess(device.id(), match.get().step(), match.get().drift(), now);
                }, (code, now) -> {
                    // The code of a step at or before the last accepted one (django-otp's last_t), still in the
                    // window: a replay, not a guess.
                    if (device.minStep() == Totp.NO_MIN_STEP) {
                        return false;
                    }
                    Optional<TotpMatch> match = device.totp().verify(devices.secret(device), code, now,
                            device.tolerance(), device.drift(), Totp.NO_MIN_STEP);
                    return match.isPresent() && match.get().step() < device.minStep();
                });
    }

    @Override
    public List<DeviceSummary> list(long userId, Function<ThrottleState, Instant> throttledUntil) {
        return devices.findByUser(userId).stream().map(d -> new DeviceSummary(d.ref(), d.name(), d.confirmed(),
                d.algorithm() + ", " + d.digits() + " digits, " + d.period() + " s", d.createdAt(), d.lastUsedAt(),
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
