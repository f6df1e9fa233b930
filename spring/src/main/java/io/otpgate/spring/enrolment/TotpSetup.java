package io.otpgate.spring.enrolment;

import java.util.EnumSet;
import java.util.List;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.recovery.RecoveryCodeService;
import io.otpgate.spring.recovery.RecoveryProperties;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.spring.totp.TotpEnrolment;
import io.otpgate.spring.device.AccountRepository;
import io.otpgate.spring.device.AccountRef;

/**
 * A user's own TOTP setup through the REST API (the Django REST project's {@code totp/create}, {@code totp/rollback} and
 * {@code totp/status}). A setup is pending until its first code is verified, and changes nothing before: the user
 * keeps password-only access, and its recovery codes wait for the confirmation.
 */
@Service
public class TotpSetup {

    private final AccountRepository accounts;
    private final TotpEnrolment enrolment;
    private final RecoveryCodeService recoveryCodes;
    private final RecoveryProperties recovery;
    private final DeviceService devices;
    private final SecurityEvents events;

    TotpSetup(AccountRepository accounts, TotpEnrolment enrolment, RecoveryCodeService recoveryCodes,
            RecoveryProperties recovery, DeviceService devices, SecurityEvents events) {
        this.accounts = accounts;
        this.enrolment = enrolment;
        this.recoveryCodes = recoveryCodes;
        this.recovery = recovery;
        this.devices = devices;
        this.events = events;
    }

    /**
     * A started setup.
     *
     * @param uri the otpauth URI (holds the secret: show once, never log)
     * @param recoveryCodes valid once the device is confirmed
     */
    public record Setup(OtpAuthUri uri, List<String> recoveryCodes) {
        @Override
        public String toString() {
            return "Setup[PROTECTED]";
        }
    }

    /**
     * Starts a new setup with a new secret and new recovery codes. An earlier pending setup, its secret and its
     * recovery codes are removed: whoever started it (perhaps someone who knows the password) holds nothing that
     * the user will confirm.
     *
     * @param secondFactorProven whether the session proved a second factor; a user who has a confirmed device must
     *     have, or anyone holding the password could add a device
     * @throws OtpgateException CONFLICT when the user has a confirmed device and the session has not proved it
     */
    @Transactional
    public Setup start(long userId, boolean secondFactorProven, String clientAddress) {
        if (accounts.lock(userId).isEmpty()) {
            throw OtpgateException.notFound("no user with id " + userId);
        }
        if (!secondFactorProven && devices.hasConfirmedDevice(userId)) {
            throw OtpgateException.conflict("2FA is already enabled: log in with a code first");
        }
        AccountRef account = accounts.findById(userId).orElseThrow();
        OtpAuthUri uri = enrolment.enrol(account, null, false, clientAddress).uri();
        List<String> codes = recoveryCodes.issue(userId, recovery.count(), true, clientAddress).codes();
        return new Setup(uri, codes);
    }

    /** What {@link #rollback} did. */
    public enum Rollback {
        /** The pending setup and its recovery codes were removed. */
        CANCELLED,
        /** There was no pending setup, and the user has no confirmed device either. */
        NOTHING_PENDING,
        /** There was no pending setup; the user's confirmed device stays. */
        ALREADY_ENABLED
    }

    /** Cancels a pending setup: its device and its recovery codes. A confirmed device is never removed here. */
    @Transactional
    public Rollback rollback(long userId, String clientAddress) {
        if (accounts.lock(userId).isEmpty()) {
            throw OtpgateException.notFound("no user with id " + userId);
        }
        if (devices.removePendingSetups(userId) > 0) {
            events.record(SecurityEventKind.DEVICE_REMOVED, userId, null, clientAddress, "setup cancelled");
            return Rollback.CANCELLED;
        }
        return enabled(userId) ? Rollback.ALREADY_ENABLED : Rollback.NOTHING_PENDING;
    }

    /**
     * The Django REST project's {@code isOtpEnabled}: whether the user has a confirmed TOTP, HOTP or passkey device
     * (recovery codes alone are not a second factor).
     */
    @Transactional(readOnly = true)
    public boolean enabled(long userId) {
        return devices.hasConfirmed(userId, EnumSet.of(DeviceKind.TOTP, DeviceKind.HOTP, DeviceKind.WEBAUTHN));
    }
}
