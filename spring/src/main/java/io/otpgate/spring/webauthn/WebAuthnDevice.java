package io.otpgate.spring.webauthn;

import java.time.Instant;

import io.otpgate.core.ThrottleState;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;

/**
 * A registered passkey or security key as stored. Holds no secret: the credential's private key never leaves the
 * authenticator.
 *
 * @param credentialId the credential id the authenticator made (unique across all users)
 * @param publicKey the credential's public key as a COSE_Key (CBOR)
 * @param userHandle the {@code user.id} it was registered with
 * @param signCount the last signature counter seen; 0 for authenticators that keep none
 * @param uvAtRegistration whether the authenticator verified the user (UV) at registration
 * @param uvAtLastUse whether it did at the last use, or null before the first use
 * @param backupEligible whether the credential may be synced (BE); fixed for its life
 * @param backedUp whether it was synced (BS) at the last registration or use
 * @param transports as the browser reported them, comma-separated, or null
 * @param attestationFormat the attestation statement's format ({@code none} unless the application asks for more)
 */
record WebAuthnDevice(long id, long accountId, String name, boolean confirmed, byte[] credentialId,
        byte[] publicKey, byte[] userHandle, long signCount, boolean uvAtRegistration, Boolean uvAtLastUse,
        boolean backupEligible, boolean backedUp, String transports, String attestationFormat, ThrottleState throttle,
        Instant createdAt, Instant lastUsedAt) {

    public DeviceRef ref() {
        return new DeviceRef(DeviceKind.WEBAUTHN, id);
    }

    /** Whether the authenticator verified the user the last time it was used (at registration before that). */
    public boolean userVerified() {
        return uvAtLastUse == null ? uvAtRegistration : uvAtLastUse;
    }

    @Override
    public String toString() {
        return "WebAuthnDevice[" + ref() + ", account " + accountId + ", sign count " + signCount + ", backed up "
                + backedUp + "]";
    }
}
