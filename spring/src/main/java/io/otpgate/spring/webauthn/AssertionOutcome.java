package io.otpgate.spring.webauthn;

import io.otpgate.spring.device.DeviceRef;

/** What became of a passkey assertion ({@link PasskeyAuthentication#verify}). */
public sealed interface AssertionOutcome {

    /**
     * The assertion proved the second factor (and can never be accepted again). The caller adds the factor:
     * {@code OtpFactor.addPasskey(authentication, userVerified, now)} in a session, or
     * {@code OtpJwtClaims.passkeyMethods(userVerified, backedUp)} as a token's {@code amr}.
     *
     * @param userVerified whether the authenticator verified the user (UV flag) in this assertion
     * @param backedUp whether the credential is synced (BS flag): {@code swk} rather than {@code hwk}
     * @param wrongCodes wrong codes tried since the user's previous success (as {@code VerificationOutcome.Verified})
     */
    record Verified(DeviceRef device, boolean userVerified, boolean backedUp, int wrongCodes)
            implements AssertionOutcome {
    }

    /** Refused; nothing changed except that the challenge it named is used up. */
    record Refused(WebAuthnRefusal reason) implements AssertionOutcome {
    }
}
