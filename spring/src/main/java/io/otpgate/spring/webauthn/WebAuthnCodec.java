package io.otpgate.spring.webauthn;

import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.springframework.stereotype.Component;

import com.webauthn4j.WebAuthnManager;
import com.webauthn4j.converter.util.ObjectConverter;
import com.webauthn4j.data.AuthenticationData;
import com.webauthn4j.data.PublicKeyCredentialParameters;
import com.webauthn4j.data.PublicKeyCredentialType;
import com.webauthn4j.data.RegistrationData;
import com.webauthn4j.data.attestation.authenticator.COSEKey;
import com.webauthn4j.data.attestation.statement.COSEAlgorithmIdentifier;
import com.webauthn4j.data.client.Origin;
import com.webauthn4j.data.client.challenge.DefaultChallenge;
import com.webauthn4j.server.ServerProperty;
import com.webauthn4j.util.exception.WebAuthnException;

/**
 * webauthn4j, set up once (its converters and verifiers are thread-safe and costly to build): parses the browser's
 * {@code PublicKeyCredential} JSON without throwing, and builds what a verification needs.
 */
@Component
class WebAuthnCodec {

    /** A response larger than this is not read (a real one is a few kilobytes). */
    static final int MAX_JSON = 64 * 1024;

    /** ES256, EdDSA and RS256: what authenticators use; offered in this order of preference. */
    static final List<PublicKeyCredentialParameters> ALGORITHMS = List.of(
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.ES256),
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.EdDSA),
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.RS256));

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final ObjectConverter converter = new ObjectConverter();
    /*
     * Non-strict: every attestation format is accepted without checking its certificate chain. otpgate asks for
     * attestation "none" and trusts no attestation: a passkey is as good as the account that registered it.
     */
    private final WebAuthnManager manager = WebAuthnManager.createNonStrictWebAuthnManager(converter);

    WebAuthnManager manager() {
        return manager;
    }

    /**
     * A registration response, read; empty if it is malformed or lacks a member a registration needs. Reading
     * changes nothing, so any exception of the parser means malformed input.
     */
    Optional<RegistrationData> registration(String json) {
        if (json == null || json.length() > MAX_JSON) {
            return Optional.empty();
        }
        try {
            RegistrationData data = manager.parseRegistrationResponseJSON(json);
            boolean complete = data != null && data.getAttestationObject() != null
                    && data.getAttestationObject().getAuthenticatorData() != null
                    && data.getAttestationObject().getAuthenticatorData().getAttestedCredentialData() != null
                    && data.getAttestationObject().getAuthenticatorData().getAttestedCredentialData()
                            .getCOSEKey() != null
                    && data.getCollectedClientData() != null && data.getCollectedClientData().getChallenge() != null
                    && data.getCollectedClientData().getOrigin() != null && data.getCollectedClientDataBytes() != null;
            return complete ? Optional.of(data) : Optional.empty();
        } catch (RuntimeException e) {
            // webauthn4j's DataConversionException, and whatever else a malformed document makes its parser throw.
            return Optional.empty();
        }
    }

    /** An authentication response, read; empty if it is malformed or incomplete (as {@link #registration}). */
    Optional<AuthenticationData> authentication(String json) {
        if (json == null || json.length() > MAX_JSON) {
            return Optional.empty();
        }
        try {
            AuthenticationData data = manager.parseAuthenticationResponseJSON(json);
            boolean complete = data != null && data.getCredentialId() != null && data.getCredentialId().length > 0
                    && data.getAuthenticatorData() != null && data.getAuthenticatorDataBytes() != null
                    && data.getSignature() != null && data.getCollectedClientData() != null
                    && data.getCollectedClientData().getChallenge() != null
                    && data.getCollectedClientData().getOrigin() != null && data.getCollectedClientDataBytes() != null;
            return complete ? Optional.of(data) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** What the verifier checks the response against: this origin (already allowed), the rp id, the challenge. */
    ServerProperty serverProperty(Origin origin, String rpId, byte[] challenge) {
        return ServerProperty.builder().origins(Set.of(origin)).rpId(rpId).challenge(new DefaultChallenge(challenge))
                .build();
    }

    /** A credential public key as stored: its COSE_Key CBOR. */
    byte[] publicKeyBytes(COSEKey key) {
        return converter.getCborConverter().writeValueAsBytes(key);
    }

    /**
     * A stored public key, read back.
     *
     * @throws WebAuthnException if the stored bytes are not a COSE_Key (never for what {@link #publicKeyBytes} wrote)
     */
    COSEKey publicKey(byte[] stored) {
        return converter.getCborConverter().readValue(stored, COSEKey.class);
    }

    static String base64url(byte[] bytes) {
        return BASE64URL.encodeToString(bytes);
    }
}
