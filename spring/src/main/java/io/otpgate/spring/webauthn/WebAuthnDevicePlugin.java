package io.otpgate.spring.webauthn;

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
 * Passkeys as a plug-in. They are listed and removed as every kind is, but never offered to a typed code: a passkey
 * proves the factor only by a signed assertion ({@link PasskeyAuthentication}).
 */
@Component
class WebAuthnDevicePlugin implements DevicePlugin {

    private final WebAuthnDeviceRepository credentials;

    WebAuthnDevicePlugin(WebAuthnDeviceRepository credentials) {
        this.credentials = credentials;
    }

    @Override
    public DeviceKind kind() {
        return DeviceKind.WEBAUTHN;
    }

    /** None: no code is ever a passkey's. */
    @Override
    public List<VerifiableDevice> lockForVerification(long userId, boolean includePending) {
        return List.of();
    }

    @Override
    public List<DeviceSummary> list(long userId, Function<ThrottleState, Instant> throttledUntil) {
        return credentials.findByAccount(userId).stream().map(d -> new DeviceSummary(d.ref(), d.name(),
                d.confirmed(), Passkeys.description(d), d.createdAt(), d.lastUsedAt(), d.throttle().failureCount(),
                throttledUntil.apply(d.throttle()))).toList();
    }

    @Override
    public boolean delete(long userId, long id) {
        return credentials.delete(userId, id);
    }

    @Override
    public int deleteAll(long userId) {
        return credentials.deleteAll(userId);
    }
}
