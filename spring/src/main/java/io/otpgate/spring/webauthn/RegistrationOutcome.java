package io.otpgate.spring.webauthn;

import io.otpgate.spring.device.DeviceRef;

/** What became of a passkey registration's response ({@link PasskeyRegistration#finish}). */
public sealed interface RegistrationOutcome {

    /**
     * The passkey is registered and confirmed: it proves the second factor from now on.
     *
     * @param device its persistent id is {@code webauthn/<id>}
     * @param userVerified whether the authenticator verified the user (UV) during registration
     * @param backupEligible whether the credential may be synced to other devices (a passkey; BE)
     * @param backedUp whether it is synced now (BS)
     */
    record Registered(DeviceRef device, String name, boolean userVerified, boolean backupEligible, boolean backedUp)
            implements RegistrationOutcome {
    }

    /** Refused; nothing was stored (the challenge it named is used up). */
    record Refused(WebAuthnRefusal reason) implements RegistrationOutcome {
    }
}
