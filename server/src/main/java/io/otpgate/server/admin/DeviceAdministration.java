package io.otpgate.server.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.spring.device.PendingSetups;
import io.otpgate.core.OtpAuthUri;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.DeviceSummary;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationProperties;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.spring.recovery.RecoveryCodeService;
import io.otpgate.spring.recovery.RecoveryProperties;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.server.system.Texts;
import io.otpgate.spring.totp.TotpDevice;
import io.otpgate.spring.totp.TotpDeviceRepository;
import io.otpgate.spring.trust.TrustedBrowser;
import io.otpgate.spring.trust.TrustedBrowsers;
import io.otpgate.spring.totp.TotpEnrolment;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserRepository;
import io.otpgate.spring.webauthn.Passkeys;

/**
 * What the admin panel's device pages do to a user's second factor, on behalf of the logged-in staff user (the
 * actor). Anyone on the panel may look at any user's devices; only a superuser may change another superuser's.
 * Every change locks the user's row first, so that the check and the change see the same user.
 */
@Service
public class DeviceAdministration {

    static final String NOT_YOURS = "Only a superuser may change another superuser's devices";

    private final UserRepository users;
    private final DeviceService devices;
    private final VerificationService verification;
    private final TotpEnrolment enrolment;
    private final TotpDeviceRepository totpDevices;
    private final RecoveryCodeService recoveryCodes;
    private final RecoveryProperties recovery;
    private final VerificationProperties verificationProperties;
    private final Passkeys passkeys;
    private final Clock clock;
    private final TrustedBrowsers trustedBrowsers;

    DeviceAdministration(UserRepository users, DeviceService devices, VerificationService verification,
            TotpEnrolment enrolment, TotpDeviceRepository totpDevices, RecoveryCodeService recoveryCodes,
            RecoveryProperties recovery, VerificationProperties verificationProperties, Passkeys passkeys,
            Clock clock, TrustedBrowsers trustedBrowsers) {
        this.trustedBrowsers = trustedBrowsers;
        this.users = users;
        this.devices = devices;
        this.verification = verification;
        this.enrolment = enrolment;
        this.totpDevices = totpDevices;
        this.recoveryCodes = recoveryCodes;
        this.recovery = recovery;
        this.verificationProperties = verificationProperties;
        this.passkeys = passkeys;
        this.clock = clock;
    }

    /**
     * A user's second factor as the devices page shows it.
     *
     * @param lockedUntil when the account's lock ends by itself, or null (not locked, or only an operator can lift
     *     it)
     * @param lockExpired whether the lock's time has passed (it is cleared at the next attempt)
     * @param unlockable whether unlocking would change anything: the account is locked or counting failures, or a
     *     device is throttled
     * @param passkeys the user's passkeys with what their authenticators reported (they are among
     *     {@code devices} too)
     */
    public record Overview(User subject, List<DeviceSummary> devices, Instant lockedUntil, boolean lockExpired,
            boolean unlockable, int recoveryCount, List<Passkeys.Passkey> passkeys) {

        /** The devices that take a typed code (TOTP, HOTP, recovery codes): all but the passkeys. */
        public List<DeviceSummary> codeDevices() {
            return devices.stream().filter(d -> d.ref().kind() != DeviceKind.WEBAUTHN).toList();
        }
    }

    @Transactional(readOnly = true)
    public Overview overview(long userId) {
        User subject = users.findById(userId).orElseThrow(() -> noUser(userId));
        List<DeviceSummary> list = devices.list(userId);
        Instant until = null;
        boolean expired = false;
        if (subject.otpLockedAt() != null) {
            until = verificationProperties.accountLockEnd(subject.otpLockedAt());
            expired = until != null && !clock.instant().isBefore(until);
        }
        boolean unlockable = subject.otpLockedAt() != null || subject.otpFailureCount() > 0
                || list.stream().anyMatch(d -> d.throttledUntil() != null || d.failures() > 0);
        return new Overview(subject, list, until, expired, unlockable, recovery.count(), passkeys.list(userId));
    }

    /**
     * A new, unconfirmed TOTP device.
     *
     * @param uri holds the secret: show it once, never log it
     */
    public record NewTotp(User subject, DeviceRef device, String name, OtpAuthUri uri) {
        @Override
        public String toString() {
            return "NewTotp[" + device + ", PROTECTED]";
        }
    }

    /**
     * Starts a TOTP setup for the user: the user's other pending setups (devices never confirmed, and their
     * recovery codes) are removed, and a new unconfirmed device is created. Nothing changes for the user until its first code is
     * verified ({@link #confirmTotp}).
     *
     * @throws OtpgateException NOT_FOUND, FORBIDDEN, or INVALID for a bad name
     */
    @Transactional
    public NewTotp startTotp(User actor, long userId, String name, String clientAddress) {
        User subject = target(actor, userId);
        TotpEnrolment.Enrolment enrolled = enrolment.enrol(subject, name, false, clientAddress);
        return new NewTotp(subject, enrolled.device(), name.strip(), enrolled.uri());
    }

    /** Why a code did not confirm the device. */
    public enum Refusal {
        /** Not 6 to 8 digits: not checked, not counted. */
        MALFORMED,
        /** Checked and wrong (a failure was counted). */
        WRONG,
        /** Checked, and it was a code of another of the user's devices (used up there). */
        OTHER_DEVICE,
        /** Not checked: the devices are throttled after recent failures. */
        THROTTLED,
        /** Not checked: the account's second factor is locked. */
        LOCKED
    }

    /**
     * What became of a confirmation.
     *
     * @param refusal null if the device is now confirmed
     * @param retryAfter how long until the next code is checked, or null if now (or, when LOCKED, until an operator
     *     unlocks the account)
     * @param accountLocked whether the account's second factor is locked now
     */
    public record Confirmation(User subject, DeviceRef device, String name, Refusal refusal, Duration retryAfter,
            boolean accountLocked) {

        public boolean confirmed() {
            return refusal == null;
        }
    }

    /**
     * Confirms a pending TOTP device with its first code, as a login would check it (throttling, the account lock,
     * and a failure counted for a wrong code).
     *
     * @param code as typed; spaces are ignored
     * @throws OtpgateException NOT_FOUND if the device is not a pending TOTP device of this user; FORBIDDEN
     */
    @Transactional
    public Confirmation confirmTotp(User actor, long userId, long deviceId, String code, String clientAddress) {
        User subject = target(actor, userId);
        Optional<TotpDevice> pending = totpDevices.findByUser(userId).stream()
                .filter(d -> d.id() == deviceId && !d.confirmed()).findFirst();
        if (pending.isEmpty()) {
            throw OtpgateException.notFound("the user has no pending TOTP device " + deviceId);
        }
        DeviceRef ref = pending.get().ref();
        String name = pending.get().name();
        Optional<String> typed = VerificationService.oneTimeCode(code);
        if (typed.isEmpty()) {
            return new Confirmation(subject, ref, name, Refusal.MALFORMED, null, subject.otpLockedAt() != null);
        }
        // No exception after this point: the attempt's outcome (failures, events) must be committed.
        VerificationOutcome outcome = verification.verify(userId, typed.get(), EnumSet.of(DeviceKind.TOTP), PendingSetups.ANY,
                clientAddress);
        if (outcome instanceof VerificationOutcome.Verified verified) {
            return new Confirmation(subject, ref, name, verified.device().equals(ref) ? null : Refusal.OTHER_DEVICE,
                    null, false);
        }
        if (outcome instanceof VerificationOutcome.Rejected rejected) {
            return new Confirmation(subject, ref, name, Refusal.WRONG, positive(rejected.retryAfter()),
                    rejected.accountLocked());
        }
        if (outcome instanceof VerificationOutcome.Replayed) {
            // A code of another device that was used already: wrong for this one, and no failure counted.
            return new Confirmation(subject, ref, name, Refusal.WRONG, null, false);
        }
        if (outcome instanceof VerificationOutcome.Throttled throttled) {
            return new Confirmation(subject, ref, name, Refusal.THROTTLED, positive(throttled.retryAfter()), false);
        }
        if (outcome instanceof VerificationOutcome.Locked locked) {
            return new Confirmation(subject, ref, name, Refusal.LOCKED, locked.until() == null ? null
                    : positive(Duration.between(clock.instant(), locked.until())), true);
        }
        // NoDevice: the device was removed by a concurrent request; nothing was written.
        throw OtpgateException.notFound("the user has no pending TOTP device " + deviceId);
    }

    /**
     * New recovery codes.
     *
     * @param codes show them once, never log them
     * @param pending whether they wait for a TOTP device to be confirmed (the user has no confirmed TOTP, HOTP or
     *     passkey device)
     */
    public record NewCodes(User subject, List<String> codes, boolean pending) {
        @Override
        public String toString() {
            return "NewCodes[" + codes.size() + " codes PROTECTED]";
        }
    }

    /** Replaces the user's recovery codes with {@link RecoveryProperties#count()} new ones. */
    @Transactional
    public NewCodes replaceRecoveryCodes(User actor, long userId, String clientAddress) {
        User subject = target(actor, userId);
        boolean pending = !devices.hasConfirmed(userId,
                EnumSet.of(DeviceKind.TOTP, DeviceKind.HOTP, DeviceKind.WEBAUTHN));
        List<String> codes = recoveryCodes.replace(userId, recovery.count(), clientAddress).codes();
        return new NewCodes(subject, codes, pending);
    }

    /**
     * Removes one device of the user.
     *
     * @param kind {@link DeviceKind#prefix()}
     * @return the device's name
     * @throws OtpgateException NOT_FOUND for an unknown kind, or a device that is not the user's
     */
    @Transactional
    public String remove(User actor, long userId, String kind, long deviceId, String clientAddress) {
        target(actor, userId);
        DeviceRef ref = new DeviceRef(DeviceKind.fromPrefix(kind).orElseThrow(
                () -> OtpgateException.notFound("there is no kind of device called " + Texts.quote(kind))), deviceId);
        String name = devices.list(userId).stream().filter(d -> d.ref().equals(ref)).map(DeviceSummary::name)
                .findFirst().orElse(ref.persistentId());
        devices.remove(userId, ref, clientAddress);
        return name;
    }

    /** Removes every device of the user and lifts the lock; returns how many devices were removed. */
    @Transactional
    public int reset(User actor, long userId, String clientAddress) {
        target(actor, userId);
        return devices.removeAll(userId, clientAddress);
    }

    /** The browsers the user trusted through the API (still valid), the most recently used first. */
    @Transactional(readOnly = true)
    public List<TrustedBrowser> trustedBrowsers(long userId) {
        return trustedBrowsers.list(userId, clock.instant());
    }

    /**
     * Stops trusting one of the user's browsers.
     *
     * @throws OtpgateException NOT_FOUND if the user has no trusted browser of that id
     */
    @Transactional
    public void revokeTrustedBrowser(User actor, long userId, long browserId, String clientAddress) {
        target(actor, userId);
        if (!trustedBrowsers.revoke(userId, browserId, clientAddress)) {
            throw OtpgateException.notFound("The user has no trusted browser with id " + browserId + ".");
        }
    }

    /** Stops trusting all of the user's browsers; returns how many there were. */
    @Transactional
    public int revokeTrustedBrowsers(User actor, long userId, String clientAddress) {
        target(actor, userId);
        return trustedBrowsers.revokeAll(userId, clientAddress);
    }

    /** Lifts the account's lock and the devices' throttling; returns whether anything was locked or counting. */
    @Transactional
    public boolean unlock(User actor, long userId, String clientAddress) {
        target(actor, userId);
        return devices.unlock(userId, clientAddress);
    }

    /**
     * The user to change, locked until the transaction ends, if the actor may change their devices: anyone may
     * change their own, a superuser anyone's, other staff anyone's but a superuser's.
     */
    private User target(User actor, long userId) {
        if (!users.lock(userId)) {
            throw noUser(userId);
        }
        User subject = users.findById(userId).orElseThrow(() -> noUser(userId));
        if (subject.id() != actor.id() && subject.superuser() && !actor.superuser()) {
            throw OtpgateException.forbidden(NOT_YOURS);
        }
        return subject;
    }

    private static OtpgateException noUser(long userId) {
        return OtpgateException.notFound("There is no user with id " + userId + ".");
    }

    private static Duration positive(Duration wait) {
        return wait == null || wait.isZero() || wait.isNegative() ? null : wait;
    }
}
