package io.otpgate.webauthn;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import com.webauthn4j.converter.util.ObjectConverter;
import com.webauthn4j.data.attestation.authenticator.EC2COSEKey;
import com.webauthn4j.data.attestation.statement.COSEAlgorithmIdentifier;

/**
 * A tiny software authenticator for tests (webauthn4j-test is not to be had here): one ES256 credential (an EC P-256
 * key pair), a signature counter, and the flags it reports. It answers options as a browser would hand the answer to
 * a page: the JSON of {@code PublicKeyCredential.toJSON()}, every binary value base64url. Its fields may be changed
 * between ceremonies to play a cloned or misbehaving authenticator.
 *
 * <p>Shared by the tests of the library, the server, the samples and the benchmark (module otpgate-webauthn-test).
 */
public final class TestAuthenticator {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODER = Base64.getUrlDecoder();
    private static final ObjectConverter CONVERTER = new ObjectConverter();

    private final KeyPair keys;
    private final byte[] credentialId;
    /** The counter the next ceremony reports (then it grows by one, unless {@link #counting} is false). */
    public long signCount;
    /** Whether the counter grows; false plays an authenticator that keeps none (then leave signCount at 0). */
    public boolean counting = true;
    public boolean userPresent = true;
    public boolean userVerified = true;
    public boolean backupEligible = true;
    public boolean backedUp = true;
    /** Overrides the rp id whose hash goes in the authenticator data; null for the options' own. */
    public String rpIdOverride;

    public TestAuthenticator() {
        this(new SecureRandom());
    }

    public TestAuthenticator(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            keys = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        credentialId = new byte[32];
        random.nextBytes(credentialId);
    }

    public byte[] credentialId() {
        return credentialId.clone();
    }

    /** The credential id, base64url (as {@code id} and {@code rawId}). */
    public String id() {
        return B64.encodeToString(credentialId);
    }

    /**
     * The answer to registration options: {@code {id, rawId, type, response: {clientDataJSON, attestationObject,
     * transports}, clientExtensionResults, authenticatorAttachment}}.
     *
     * @param challenge the options' {@code challenge} (base64url)
     * @param rpId the options' {@code rp.id}
     * @param origin what the browser writes as the page's origin
     */
    public String register(String challenge, String rpId, String origin) {
        byte[] clientData = clientData("webauthn.create", challenge, origin);
        byte[] authenticatorData = authenticatorData(rpId, true);
        Map<String, Object> attestation = new LinkedHashMap<>();
        attestation.put("fmt", "none");
        attestation.put("attStmt", Map.of());
        attestation.put("authData", authenticatorData);
        byte[] attestationObject = CONVERTER.getCborConverter().writeValueAsBytes(attestation);
        return registrationJson(clientData, attestationObject);
    }

    /** A registration answer made of the given parts (base64url), to test malformed ones. */
    public String registrationJson(byte[] clientData, byte[] attestationObject) {
        return "{\"id\":\"" + id() + "\",\"rawId\":\"" + id() + "\",\"type\":\"public-key\",\"response\":{"
                + "\"clientDataJSON\":\"" + B64.encodeToString(clientData) + "\",\"attestationObject\":\""
                + B64.encodeToString(attestationObject) + "\",\"transports\":[\"hybrid\",\"internal\"]},"
                + "\"clientExtensionResults\":{},\"authenticatorAttachment\":\"platform\"}";
    }

    /**
     * The answer to request options: {@code {id, rawId, type, response: {clientDataJSON, authenticatorData,
     * signature, userHandle}, clientExtensionResults, authenticatorAttachment}}.
     *
     * @param userHandle the registration's {@code user.id} (base64url), or null to leave it out (as a
     *     non-discoverable credential does)
     */
    public String authenticate(String challenge, String rpId, String origin, String userHandle) {
        byte[] clientData = clientData("webauthn.get", challenge, origin);
        byte[] authenticatorData = authenticatorData(rpId, false);
        return assertionJson(clientData, authenticatorData, sign(authenticatorData, clientData), userHandle);
    }

    /** An assertion made of the given parts, to test malformed ones. */
    public String assertionJson(byte[] clientData, byte[] authenticatorData, byte[] signature, String userHandle) {
        return "{\"id\":\"" + id() + "\",\"rawId\":\"" + id() + "\",\"type\":\"public-key\",\"response\":{"
                + "\"clientDataJSON\":\"" + B64.encodeToString(clientData) + "\",\"authenticatorData\":\""
                + B64.encodeToString(authenticatorData) + "\",\"signature\":\"" + B64.encodeToString(signature)
                + "\"" + (userHandle == null ? "" : ",\"userHandle\":\"" + userHandle + "\"")
                + "},\"clientExtensionResults\":{},\"authenticatorAttachment\":\"platform\"}";
    }

    /** The client data JSON a browser writes. */
    public static byte[] clientData(String type, String challenge, String origin) {
        return ("{\"type\":\"" + type + "\",\"challenge\":\"" + challenge + "\",\"origin\":\"" + origin
                + "\",\"crossOrigin\":false}").getBytes(StandardCharsets.UTF_8);
    }

    /** Authenticator data: rp id hash, flags, counter, and (at registration) the attested credential data. */
    public byte[] authenticatorData(String rpId, boolean attested) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(sha256((rpIdOverride == null ? rpId : rpIdOverride).getBytes(StandardCharsets.UTF_8)));
        int flags = (userPresent ? 0x01 : 0) | (userVerified ? 0x04 : 0) | (backupEligible ? 0x08 : 0)
                | (backedUp ? 0x10 : 0) | (attested ? 0x40 : 0);
        out.write(flags);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) signCount).array());
        if (counting) {
            signCount++;
        }
        if (attested) {
            out.writeBytes(new byte[16]);
            out.write(credentialId.length >> 8);
            out.write(credentialId.length & 0xff);
            out.writeBytes(credentialId);
            out.writeBytes(CONVERTER.getCborConverter().writeValueAsBytes(
                    EC2COSEKey.create((ECPublicKey) keys.getPublic(), COSEAlgorithmIdentifier.ES256)));
        }
        return out.toByteArray();
    }

    /** ES256 over the authenticator data and the client data's hash, DER-encoded as authenticators send it. */
    public byte[] sign(byte[] authenticatorData, byte[] clientData) {
        try {
            Signature signature = Signature.getInstance("SHA256withECDSA");
            signature.initSign(keys.getPrivate());
            signature.update(authenticatorData);
            signature.update(sha256(clientData));
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] decode(String base64url) {
        return B64_DECODER.decode(base64url);
    }

    public static String encode(byte[] bytes) {
        return B64.encodeToString(bytes);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
