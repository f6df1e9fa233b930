package io.otpgate.server.recovery;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.core.RecoveryCodes;
import io.otpgate.server.audit.SecurityEventKind;
import io.otpgate.server.audit.SecurityEvents;
import io.otpgate.server.device.DeviceKind;
import io.otpgate.server.device.DeviceRef;
import io.otpgate.server.system.OtpgateException;

/** Issues recovery codes: shown once, stored as keyed digests. */
@Service
public class RecoveryCodeService {

    private final StaticDeviceRepository devices;
    private final RecoveryCodeDigests digests;
    private final SecurityEvents events;
    private final SecureRandom random;
    private final Clock clock;

    RecoveryCodeService(StaticDeviceRepository devices, RecoveryCodeDigests digests, SecurityEvents events,
            SecureRandom random, Clock clock) {
        this.devices = devices;
        this.digests = digests;
        this.events = events;
        this.random = random;
        this.clock = clock;
    }

    /**
     * Replaces all of the user's recovery codes with new ones.
     *
     * @param count how many, 1..{@value RecoveryCodes#MAX_COUNT}
     * @param pending true when they come with a TOTP setup that is not confirmed yet: they become valid when it
     *     is; false to make them valid at once
     * @param clientAddress for the security log, or null
     * @return the codes, formatted {@code xxxx-xxxx-xxxx-xxxx}: show them once, never log them
     */
    @Transactional
    public Issued issue(long userId, int count, boolean pending, String clientAddress) {
        if (count < 1 || count > RecoveryCodes.MAX_COUNT) {
            throw OtpgateException.invalid("count must be 1.." + RecoveryCodes.MAX_COUNT + ", got " + count);
        }
        List<String> codes = digests.codes().generate(count, random);
        devices.deleteByUser(userId);
        long id = devices.insert(userId, "Backup", !pending, codes.stream().map(digests::ofCode).toList(),
                clock.instant());
        DeviceRef ref = new DeviceRef(DeviceKind.STATIC, id);
        events.record(SecurityEventKind.RECOVERY_CODES_ISSUED, userId, ref.persistentId(), clientAddress,
                count + (pending ? " codes, valid once the TOTP setup is confirmed" : " codes"));
        return new Issued(ref, codes);
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
