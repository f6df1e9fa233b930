package io.otpgate.spring.webauthn;

/**
 * Why a passkey ceremony's response was refused: an expected outcome, answered with HTTP 400 (or the page shown
 * again), never a server error. Apart from consuming the challenge it named, a refused response changes nothing.
 * {@link #message()} may be shown to the user: it never says whose a credential is.
 */
public enum WebAuthnRefusal {
    /** Not the JSON of a {@code PublicKeyCredential}: bad JSON, base64url, CBOR, or a missing member. */
    MALFORMED("The passkey's answer could not be read."),
    /** No such challenge for this user and ceremony: never issued, another user's, or used already. */
    CHALLENGE_UNKNOWN("This passkey request is not known or was used already: start again."),
    /** The challenge was issued too long ago ({@code otpgate.webauthn.challenge-lifetime}). */
    CHALLENGE_EXPIRED("This passkey request has expired: start again."),
    /** The page that ran the ceremony is not on an allowed origin ({@code otpgate.webauthn.allowed-origins}). */
    ORIGIN_NOT_ALLOWED("Passkeys are not allowed from this site's address."),
    /** The credential is not registered, or is another user's (a credential is bound to one user). */
    UNKNOWN_CREDENTIAL("This passkey is not registered for your account."),
    /** The assertion's signature does not verify with the credential's public key. */
    BAD_SIGNATURE("The passkey's signature is not valid."),
    /**
     * The signature counter did not grow: the authenticator may have been cloned. A counter of 0 that stays 0 is
     * allowed (authenticators that keep none).
     */
    COUNTER_NOT_INCREASED("The passkey's counter went backwards: it may have been copied. Use another device."),
    /** The same assertion was recorded meanwhile by another request. */
    REPLAYED("This passkey answer was used already."),
    /** The credential is registered already (to this user or another). */
    CREDENTIAL_EXISTS("This passkey is registered already."),
    /** The account's second factor is locked after too many wrong codes; an operator or time lifts it. */
    LOCKED("Too many failed attempts: the second factor is locked for now."),
    /**
     * The response breaks another rule of the ceremony: relying-party id, user presence, client data type, key
     * algorithm, backup eligibility changed, attestation statement.
     */
    NOT_VERIFIED("The passkey's answer could not be verified.");

    private final String message;

    WebAuthnRefusal(String message) {
        this.message = message;
    }

    /** A sentence for the user; names no account and no credential. */
    public String message() {
        return message;
    }
}
