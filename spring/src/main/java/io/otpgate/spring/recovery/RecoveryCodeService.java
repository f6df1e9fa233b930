package io.otpgate.spring.recovery;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.core.RecoveryCodes;
import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.SessionVersions;
import io.otpgate.spring.system.OtpgateException;

/** Issues recovery codes: shown once, stored as keyed digests. */
@Service
public class RecoveryCodeService {

    private final StaticDeviceRepository staticDevices;
    private final DeviceService devices;
    private final RecoveryCodeDigests digests;
    private final SecurityEvents events;
    private final SessionVersions sessions;
    private final SecureRandom random;
    private final Clock clock;

    RecoveryCodeService(StaticDeviceRepository staticDevices, DeviceService devices, RecoveryCodeDigests digests,
            SecurityEvents events, SessionVersions sessions, SecureRandom random, Clock clock) {
        this.staticDevices = staticDevices;
        this.devices = devices;
        this.digests = digests;
        this.events = events;
        this.sessions = sessions;
        this.random = random;
        this.clock = clock;
    }

    /**
     * Replaces the user's recovery codes with new ones.
     *
     * @param count how many, 1..{@value RecoveryCodes#MAX_COUNT}
     * @param pending true when they come with a TOTP setup that is not confirmed yet: they become valid when it
     *     is, and the user's current codes stay valid until then; false to replace the current codes at once: then,
     *     if there were codes, every session of the user ends (the device keeps its id, and a session opened with
     *     an old code must not outlive it)
     * @param clientAddress for the security log, or null
     * @return the codes, formatted {@code xxxx-xxxx-xxxx-xxxx}: show them once, never log them
     */
    @Transactional
    public Issued issue(long userId, int count, boolean pending, String clientAddress) {
        if (count < 1 || count > RecoveryCodes.MAX_COUNT) {
            throw OtpgateException.invalid("count must be 1.." + RecoveryCodes.MAX_COUNT + ", got " + count);
        }
        List<String> codes = digests.codes().generate(count, random);
        List<byte[]> digested = codes.stream().map(digests::ofCode).toList();
        long id;
        boolean replaced = false;
        if (pending) {
            staticDevices.deletePending(userId);
            id = staticDevices.insert(userId, "Backup", false, digested, clock.instant());
        } else {
            Optional<Long> current = staticDevices.findConfirmedId(userId);
            if (current.isPresent()) {
                id = current.get();
                staticDevices.replaceCodes(id, digested);
                staticDevices.deleteOthers(userId, id);
                replaced = true;
            } else {
                staticDevices.deleteByUser(userId);
                id = staticDevices.insert(userId, "Backup", true, digested, clock.instant());
            }
        }
        DeviceRef ref = new DeviceRef(DeviceKind.STATIC, id);
        events.record(SecurityEventKind.RECOVERY_CODES_ISSUED, userId, ref.persistentId(), clientAddress,
                count + (pending ? " codes, valid once the TOTP setup is confirmed" : " codes"));
        if (replaced) {
            sessions.endAll(userId, SessionVersions.RECOVERY_CODES_REPLACED, clientAddress);
        }
        return new Issued(ref, codes);
    }

    /**
     * Replaces the user's recovery codes (the Django REST project's {@code totp/recovery_code/create}). While the user has no
     * confirmed TOTP, HOTP or passkey device the new codes are pending: they become valid with the device, so that
     * codes alone never switch a user's second factor on.
     */
    @Transactional
    public Issued replace(long userId, int count, String clientAddress) {
        boolean pending = !devices.hasConfirmed(userId,
                EnumSet.of(DeviceKind.TOTP, DeviceKind.HOTP, DeviceKind.WEBAUTHN));
        return issue(userId, count, pending, clientAddress);
    }

    /**
     * New recovery codes.
     *
     * @param codes formatted; {@link #toString()} hides them
     */
    public record Issued(DeviceRef device, List<String> codes) {
        @Override
        public String toString() {
            return "Issued[" + device + ", " + codes.size() + " codes PROTECTED]";
        }
    }
}
