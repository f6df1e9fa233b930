package io.otpgate.spring.webauthn;

import java.util.List;

/**
 * The options of the two ceremonies in the JSON form of WebAuthn Level 3
 * ({@code PublicKeyCredentialCreationOptionsJSON} and {@code PublicKeyCredentialRequestOptionsJSON}): serialize a
 * record as it is (its component names are the JSON members; binary values are base64url strings without padding)
 * and give it to the browser's
 * {@code PublicKeyCredential.parseCreationOptionsFromJSON} / {@code parseRequestOptionsFromJSON}. No member is null.
 */
public final class PasskeyOptions {

    private PasskeyOptions() {
    }

    /** {@code navigator.credentials.create({publicKey})}'s options. */
    public record Creation(RelyingParty rp, User user, String challenge, List<CredentialParameters> pubKeyCredParams,
            long timeout, List<CredentialDescriptor> excludeCredentials,
            AuthenticatorSelection authenticatorSelection, String attestation) {
    }

    /** {@code navigator.credentials.get({publicKey})}'s options. */
    public record Request(String challenge, long timeout, String rpId, List<CredentialDescriptor> allowCredentials,
            String userVerification) {
    }

    public record RelyingParty(String id, String name) {
    }

    /** @param id the user handle, base64url */
    public record User(String id, String name, String displayName) {
    }

    /** @param alg a COSE algorithm: -7 ES256, -8 EdDSA, -257 RS256 */
    public record CredentialParameters(String type, long alg) {
    }

    /**
     * @param id the credential id, base64url
     * @param transports as reported at registration; may be empty
     */
    public record CredentialDescriptor(String type, String id, List<String> transports) {
    }

    public record AuthenticatorSelection(String residentKey, boolean requireResidentKey, String userVerification) {
    }
}
