package io.otpgate.server.totp;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.server.audit.SecurityEventKind;
import io.otpgate.server.audit.SecurityEvents;
import io.otpgate.server.device.DeviceKind;
import io.otpgate.server.device.DeviceRef;
import io.otpgate.server.device.DeviceService;
import io.otpgate.server.system.OtpgateException;
import io.otpgate.server.user.User;
import io.otpgate.server.device.AccountRepository;
import io.otpgate.server.device.SecondFactorListener;

/** Creates TOTP devices and the otpauth URI an authenticator app scans. */
@Service
public class TotpEnrolment {

    /** django-otp's names are at most 64 characters. */
    public static final int MAX_NAME = 64;

    private final TotpDeviceRepository devices;
    private final AccountRepository accounts;
    private final List<SecondFactorListener> listeners;
    private final TotpProperties properties;
    private final SecurityEvents events;
    private final DeviceService setups;
    private final SecureRandom random;
    private final Clock clock;

    TotpEnrolment(TotpDeviceRepository devices, AccountRepository accounts, List<SecondFactorListener> listeners,
            TotpProperties properties,
            SecurityEvents events, DeviceService setups, SecureRandom random, Clock clock) {
        this.devices = devices;
        this.accounts = accounts;
        this.listeners = listeners;
        this.properties = properties;
        this.events = events;
        this.setups = setups;
        this.random = random;
        this.clock = clock;
    }

    /**
     * A new device with a fresh secret. The user's earlier pending setups (unconfirmed devices of any kind, and the
     * recovery codes that waited for them) are removed first, so a setup someone else started never survives
     * another one. An unconfirmed device changes nothing for the user until its first code is verified, within
     * {@code otpgate.enrolment.pending-lifetime}.
     *
     * @param confirmed true to make it active at once (an operator enrolling a device for a user, as seed 000's
     *     {@code add_otp_device}); false for a setup the user confirms with a first code
     * @param clientAddress for the security log, or null
     * @return the device and its otpauth URI, which holds the secret: show it once, never log it
     */
    @Transactional
    public Enrolment enrol(User user, String name, boolean confirmed, String clientAddress) {
        String deviceName = name == null ? "Default" : name.strip();
        if (deviceName.isEmpty() || deviceName.length() > MAX_NAME) {
            throw OtpgateException.invalid("device name must be 1.." + MAX_NAME + " characters");
        }
        Totp settings = properties.settings();
        OtpSecret secret = OtpSecret.generate(settings.algorithm(), random);
        Instant now = clock.instant();
        accounts.lock(user.id());
        setups.removePendingSetups(user.id());
        long id = devices.insert(user.id(), deviceName, confirmed, secret, settings, properties.tolerance(), 0,
                TotpDevice.NO_STEP, now);
        DeviceRef ref = new DeviceRef(DeviceKind.TOTP, id);
        if (confirmed) {
            listeners.forEach(listener -> listener.secondFactorChanged(user.id(), true, now));
        }
        events.record(SecurityEventKind.DEVICE_ADDED, user.id(), ref.persistentId(), clientAddress,
                confirmed ? "confirmed by an operator" : "pending confirmation");
        return new Enrolment(ref, uri(user, secret, settings));
    }

    private OtpAuthUri uri(User user, OtpSecret secret, Totp settings) {
        // A username (at most 150 characters, without ':') is always a valid account name.
        return OtpAuthUri.totp(secret).issuer(properties.issuer()).account(user.username()).settings(settings).build();
    }

    /**
     * A new device.
     *
     * @param uri its otpauth URI: holds the secret; its {@code toString()} is redacted
     */
    public record Enrolment(DeviceRef device, OtpAuthUri uri) {
    }
}
