package io.otpgate.bench;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import com.webauthn4j.WebAuthnManager;
import com.webauthn4j.converter.util.ObjectConverter;
import com.webauthn4j.credential.CredentialRecordImpl;
import com.webauthn4j.data.AuthenticationData;
import com.webauthn4j.data.AuthenticationParameters;
import com.webauthn4j.data.RegistrationData;
import com.webauthn4j.data.attestation.authenticator.AAGUID;
import com.webauthn4j.data.attestation.authenticator.AttestedCredentialData;
import com.webauthn4j.data.attestation.authenticator.COSEKey;
import com.webauthn4j.data.attestation.statement.NoneAttestationStatement;
import com.webauthn4j.data.client.Origin;
import com.webauthn4j.data.client.challenge.DefaultChallenge;
import com.webauthn4j.server.ServerProperty;

import io.otpgate.webauthn.TestAuthenticator;

/**
 * The server's CPU for one passkey assertion, as the library's {@code PasskeyAuthentication.verify} spends it apart
 * from the database: read the browser's JSON, read the stored COSE public key back, and let webauthn4j check the
 * client data, the authenticator data, the counter and the ES256 signature. The floor is the signature check alone
 * (JCA's SHA256withECDSA on the same bytes). The database's part (lock the account, consume the challenge, write the
 * counter) is the same kind of work as a code login's and is measured by the load bench.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class PasskeyBenchmark {

    private static final String RP_ID = "localhost";
    private static final String ORIGIN = "http://localhost:8080";
    private static final String CHALLENGE = TestAuthenticator.encode(new byte[32]);

    private final ObjectConverter converter = new ObjectConverter();
    private final WebAuthnManager manager = WebAuthnManager.createNonStrictWebAuthnManager(converter);

    private String assertionJson;
    private byte[] storedPublicKey;
    private byte[] credentialId;
    private byte[] signedBytes;
    private byte[] signature;
    private PublicKey jcaKey;

    @Setup
    public void setUp() throws GeneralSecurityException {
        TestAuthenticator authenticator = new TestAuthenticator();
        RegistrationData registered = manager.parseRegistrationResponseJSON(
                authenticator.register(CHALLENGE, RP_ID, ORIGIN));
        COSEKey key = registered.getAttestationObject().getAuthenticatorData().getAttestedCredentialData()
                .getCOSEKey();
        storedPublicKey = converter.getCborConverter().writeValueAsBytes(key);
        credentialId = authenticator.credentialId();
        assertionJson = authenticator.authenticate(CHALLENGE, RP_ID, ORIGIN, null);
        AuthenticationData data = manager.parseAuthenticationResponseJSON(assertionJson);
        byte[] clientDataHash = java.security.MessageDigest.getInstance("SHA-256")
                .digest(data.getCollectedClientDataBytes());
        byte[] authenticatorData = data.getAuthenticatorDataBytes();
        signedBytes = new byte[authenticatorData.length + clientDataHash.length];
        System.arraycopy(authenticatorData, 0, signedBytes, 0, authenticatorData.length);
        System.arraycopy(clientDataHash, 0, signedBytes, authenticatorData.length, clientDataHash.length);
        signature = data.getSignature();
        jcaKey = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(key.getPublicKey().getEncoded()));
        if (!passkeyParseAndVerify() || !es256VerifyOnly()) {
            throw new IllegalStateException("the benchmark's assertion does not verify");
        }
    }

    /** What a verification costs the server's CPU besides the database: parse, rebuild the key, webauthn4j's checks. */
    @Benchmark
    public boolean passkeyParseAndVerify() {
        AuthenticationData data = manager.parseAuthenticationResponseJSON(assertionJson);
        COSEKey key = converter.getCborConverter().readValue(storedPublicKey, COSEKey.class);
        CredentialRecordImpl record = new CredentialRecordImpl(new NoneAttestationStatement(), true, true, true, 0,
                new AttestedCredentialData(AAGUID.ZERO, credentialId, key), null, null, null, null);
        ServerProperty server = ServerProperty.builder().origins(Set.of(new Origin(ORIGIN))).rpId(RP_ID)
                .challenge(new DefaultChallenge(TestAuthenticator.decode(CHALLENGE))).build();
        manager.verify(data, new AuthenticationParameters(server, record, List.of(credentialId), false, true));
        return true;
    }

    /** The floor: the ES256 signature check alone, with a key already decoded. */
    @Benchmark
    public boolean es256VerifyOnly() throws GeneralSecurityException {
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(jcaKey);
        verifier.update(signedBytes);
        return verifier.verify(signature);
    }
}
