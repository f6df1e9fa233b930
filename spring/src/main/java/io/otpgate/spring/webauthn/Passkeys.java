package io.otpgate.spring.webauthn;

import java.time.Instant;
import java.util.List;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.spring.device.DeviceRef;

/**
 * A user's passkeys with what their authenticators reported, for the pages that list them (the admin's device
 * pages, {@code /otp/devices}). {@code DeviceService.list} lists them too, among the other devices, with these flags
 * in words as their description; removing one is {@code DeviceService.remove}.
 */
@Service
public class Passkeys {

    private final WebAuthnDeviceRepository credentials;

    Passkeys(WebAuthnDeviceRepository credentials) {
        this.credentials = credentials;
    }

    /**
     * One passkey as listed; never its key.
     *
     * @param userVerified whether the authenticator verified the user (UV) at the last use, or at registration
     *     before the first
     * @param backupEligible whether it may be synced (a passkey rather than a device-bound security key)
     * @param synced whether it is backed up (synced) by its provider, as last reported
     * @param transports as the browser reported them at registration ({@code usb}, {@code internal}, ...)
     * @param lastUsedAt null before the first use
     */
    public record Passkey(DeviceRef device, String name, Instant createdAt, Instant lastUsedAt, boolean userVerified,
            boolean backupEligible, boolean synced, List<String> transports) {
    }

    /** The user's passkeys, oldest first. */
    @Transactional(readOnly = true)
    public List<Passkey> list(long accountId) {
        return credentials.findByAccount(accountId).stream().map(d -> new Passkey(d.ref(), d.name(), d.createdAt(),
                d.lastUsedAt(), d.userVerified(), d.backupEligible(), d.backedUp(),
                PasskeyRegistration.transports(d.transports()))).toList();
    }

    /** Whether the user has a passkey (to offer "use a passkey" beside the code field). */
    @Transactional(readOnly = true)
    public boolean any(long accountId) {
        return !credentials.findByAccount(accountId).isEmpty();
    }

    /**
     * The flags in words, as {@code DeviceSummary.description}: {@code passkey, synced, user verified},
     * {@code security key, user not verified}.
     */
    static String description(WebAuthnDevice device) {
        return (device.backupEligible() ? "passkey" : "security key") + (device.backedUp() ? ", synced" : "")
                + (device.userVerified() ? ", user verified" : ", user not verified");
    }
}
