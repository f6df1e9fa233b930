package io.otpgate.spring.totp;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.EnrolmentProperties;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.spring.device.AccountRef;
import io.otpgate.spring.device.AccountRepository;
import io.otpgate.spring.device.SecondFactorListener;

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
    private final EnrolmentProperties pending;
    private final SecureRandom random;
    private final Clock clock;

    TotpEnrolment(TotpDeviceRepository devices, AccountRepository accounts, List<SecondFactorListener> listeners,
            TotpProperties properties, SecurityEvents events, DeviceService setups, EnrolmentProperties pending,
            SecureRandom random, Clock clock) {
        this.devices = devices;
        this.accounts = accounts;
        this.listeners = listeners;
        this.properties = properties;
        this.events = events;
        this.setups = setups;
        this.pending = pending;
        this.random = random;
        this.clock = clock;
    }

    /**
     * A new device with a fresh secret. The user's earlier pending setups (unconfirmed devices of any kind, and the
     * recovery codes that waited for them) are removed first, so a setup someone else started never survives
     * another one. An unconfirmed device changes nothing for the user until its first code is verified, within
     * {@code otpgate.enrolment.pending-lifetime}.
     *
     * @param confirmed true to make it active at once (an operator enrolling a device for a user, as django-otp's
     *     {@code add_otp_device}); false for a setup the user confirms with a first code
     * @param clientAddress for the security log, or null
     * @return the device and its otpauth URI, which holds the secret: show it once, never log it
     */
    @Transactional
    public Enrolment enrol(AccountRef account, String name, boolean confirmed, String clientAddress) {
        String deviceName = name == null ? "Default" : name.strip();
        if (deviceName.isEmpty() || deviceName.length() > MAX_NAME) {
            throw OtpgateException.invalid("device name must be 1.." + MAX_NAME + " characters");
        }
        Totp settings = properties.settings();
        OtpSecret secret = OtpSecret.generate(settings.algorithm(), random);
        Instant now = clock.instant();
        accounts.lock(account.accountId());
        setups.removePendingSetups(account.accountId());
        long id = devices.insert(account.accountId(), deviceName, confirmed, secret, settings, properties.tolerance(), 0,
                TotpDevice.NO_STEP, now);
        DeviceRef ref = new DeviceRef(DeviceKind.TOTP, id);
        if (confirmed) {
            listeners.forEach(listener -> listener.secondFactorChanged(account.accountId(), true, now));
        }
        events.record(SecurityEventKind.DEVICE_ADDED, account.accountId(), ref.persistentId(), clientAddress,
                confirmed ? "confirmed by an operator" : "pending confirmation");
        return new Enrolment(ref, uri(account, secret, settings));
    }

    /**
     * The user's pending setup, if one is still waiting for its first code (the newest): to show its QR code again
     * after a mistyped code.
     *
     * @return its device and otpauth URI, which holds the secret: show it, never log it
     */
    @Transactional(readOnly = true)
    public Optional<Enrolment> pendingSetup(AccountRef account) {
        Instant now = clock.instant();
        return devices.findByUser(account.accountId()).stream()
                .filter(d -> !d.confirmed() && pending.pendingAlive(d.createdAt(), now))
                .reduce((older, newer) -> newer)
                .map(d -> new Enrolment(d.ref(), uri(account, devices.secret(d), d.totp())));
    }

    private OtpAuthUri uri(AccountRef account, OtpSecret secret, Totp settings) {
        // The account's name is its user key; a ':' would end the issuer in the label, so it is shown as '_'.
        return OtpAuthUri.totp(secret).issuer(properties.issuer()).account(account.accountName().replace(':', '_'))
                .settings(settings).build();
    }

    /**
     * A new device.
     *
     * @param uri its otpauth URI: holds the secret; its {@code toString()} is redacted
     */
    public record Enrolment(DeviceRef device, OtpAuthUri uri) {
    }
}
