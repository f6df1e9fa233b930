package io.otpgate.server.api;

import static io.otpgate.server.api.PasskeyApiInChromiumTest.PASSWORD;
import static io.otpgate.server.api.PasskeyApiInChromiumTest.assertRefused;
import static io.otpgate.server.api.PasskeyApiInChromiumTest.click;
import static io.otpgate.server.api.PasskeyApiInChromiumTest.logIn;
import static io.otpgate.server.api.PasskeyApiInChromiumTest.passkeyState;
import static io.otpgate.server.api.PasskeyApiInChromiumTest.virtualAuthenticator;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.virtualauthenticator.Credential;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.webauthn4j.converter.util.ObjectConverter;
import com.webauthn4j.data.attestation.authenticator.EC2COSEKey;
import com.webauthn4j.data.attestation.statement.COSEAlgorithmIdentifier;

import io.otpgate.browser.Chromium;
import io.otpgate.server.system.TestDatabases;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import io.otpgate.spring.webauthn.PasskeyOptions;
import io.otpgate.spring.webauthn.PasskeyRegistration;
import io.otpgate.spring.webauthn.RegistrationOutcome;
import io.otpgate.spring.webauthn.WebAuthnRefusal;
import io.otpgate.webauthn.TestAuthenticator;
import tools.jackson.databind.JsonNode;

/**
 * The API's passkey ceremonies from a page whose origin is not allowed, in a real headless Chromium with a WebDriver
 * virtual authenticator. The server allows only {@value #ALLOWED} (relying-party id {@code localhost}); the test page
 * of {@link PasskeyApiInChromiumTest} is served on {@code http://localhost:<port>}, an origin on the same
 * relying-party id that the browser lets run a ceremony for {@code localhost} but that the server does not list, as
 * a page on another subdomain of a site would be. The browser writes the page's real origin into what it signs, so
 * the server refuses with a clear message and stores nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "otpgate.login.free-failures-per-address=1000",
                "otpgate.webauthn.rp-id=localhost",
                "otpgate.webauthn.allowed-origins=" + PasskeyApiInChromiumWrongOriginTest.ALLOWED })
@Import(PasskeyApiInChromiumTest.Page.class)
class PasskeyApiInChromiumWrongOriginTest {

    /** The one allowed origin: not the page's. */
    static final String ALLOWED = "http://localhost:1";

    private static final ObjectConverter CBOR = new ObjectConverter();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    @LocalServerPort int port;
    @Autowired UserService users;
    @Autowired JdbcClient jdbc;
    @Autowired PasskeyRegistration registration;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.h2(registry);
    }

    @Test
    void pageWhenOriginNotAllowedThenRegistrationRefusedWithMessageAndNothingStored() throws Exception {
        User user = users.create(NewUser.named("origin-" + System.nanoTime() % 100000), PASSWORD);
        try (Chromium chromium = Chromium.start()) {
            WebDriver driver = chromium.driver();
            VirtualAuthenticator authenticator = virtualAuthenticator(driver);
            driver.get(page());
            logIn(driver, user);

            JsonNode refused = click(driver, "register", "register", 400);

            assertRefused(refused, WebAuthnRefusal.ORIGIN_NOT_ALLOWED);
            assertThat(refused.get("detail").stringValue())
                    .isEqualTo("Passkeys are not allowed from this site's address.");
            // The browser made the credential (the ceremony ran), the server kept nothing of it.
            assertThat(authenticator.getCredentials()).hasSize(1);
            assertThat(jdbc.sql("select count(*) from otpgate_webauthn_device where account_id = ?")
                    .param(user.id()).query(Long.class).single()).isZero();
            JsonNode noPasskey = click(driver, "passkey-login", "passkey", 400);
            assertThat(noPasskey.get("detail").stringValue()).isEqualTo(PasskeyController.NO_PASSKEY);
        }
    }

    @Test
    void pageWhenPasskeyRegisteredOnAllowedOriginIsUsedFromAnotherOriginThenRefusedAndNothingChanged()
            throws Exception {
        User user = users.create(NewUser.named("origin-" + System.nanoTime() % 100000), PASSWORD);
        try (Chromium chromium = Chromium.start()) {
            WebDriver driver = chromium.driver();
            VirtualAuthenticator authenticator = virtualAuthenticator(driver);
            // The user's passkey, registered on the allowed origin; the browser's authenticator holds its key.
            authenticator.addCredential(registerOnAllowedOrigin(user));
            Map<String, Object> before = passkeyState(jdbc, user.id());
            driver.get(page());
            logIn(driver, user);

            // The page asks for the request options (allowed: they are no proof) and the browser signs the
            // challenge with the passkey, writing the page's origin: the server refuses that origin.
            JsonNode refused = click(driver, "passkey-login", "passkey", 400);

            assertRefused(refused, WebAuthnRefusal.ORIGIN_NOT_ALLOWED);
            assertThat(passkeyState(jdbc, user.id())).isEqualTo(before);
            assertThat(authenticator.getCredentials().get(0).getSignCount()).as("the browser did sign").isPositive();
        }
    }

    private String page() {
        return "http://localhost:" + port + "/passkey-page/index.html";
    }

    /**
     * Registers a new ES256 passkey for the user as a browser on {@link #ALLOWED} would (attestation {@code none},
     * user present and verified, counter 0), through the library, and gives it as the virtual authenticator's
     * resident credential (same id, private key and user handle).
     */
    private Credential registerOnAllowedOrigin(User user) throws GeneralSecurityException {
        SecureRandom random = new SecureRandom();
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
        KeyPair keys = generator.generateKeyPair();
        byte[] credentialId = new byte[32];
        random.nextBytes(credentialId);

        PasskeyOptions.Creation options = registration.options(user, null, null);
        byte[] clientData = TestAuthenticator.clientData("webauthn.create", options.challenge(), ALLOWED);
        ByteArrayOutputStream authenticatorData = new ByteArrayOutputStream();
        authenticatorData.writeBytes(MessageDigest.getInstance("SHA-256")
                .digest(options.rp().id().getBytes(StandardCharsets.UTF_8)));
        authenticatorData.write(0x01 | 0x04 | 0x40); // user present, user verified, attested credential data
        authenticatorData.writeBytes(new byte[4]); // counter 0
        authenticatorData.writeBytes(new byte[16]); // AAGUID: none
        authenticatorData.write(credentialId.length >> 8);
        authenticatorData.write(credentialId.length & 0xff);
        authenticatorData.writeBytes(credentialId);
        authenticatorData.writeBytes(CBOR.getCborConverter().writeValueAsBytes(
                EC2COSEKey.create((ECPublicKey) keys.getPublic(), COSEAlgorithmIdentifier.ES256)));
        Map<String, Object> attestation = new LinkedHashMap<>();
        attestation.put("fmt", "none");
        attestation.put("attStmt", Map.of());
        attestation.put("authData", authenticatorData.toByteArray());
        String id = B64.encodeToString(credentialId);
        String json = "{\"id\":\"" + id + "\",\"rawId\":\"" + id + "\",\"type\":\"public-key\",\"response\":{"
                + "\"clientDataJSON\":\"" + B64.encodeToString(clientData) + "\",\"attestationObject\":\""
                + B64.encodeToString(CBOR.getCborConverter().writeValueAsBytes(attestation))
                + "\",\"transports\":[\"internal\"]},\"clientExtensionResults\":{},"
                + "\"authenticatorAttachment\":\"platform\"}";

        RegistrationOutcome outcome = registration.finish(user.id(), json, ALLOWED, "Phone", null);

        assertThat(outcome).isInstanceOf(RegistrationOutcome.Registered.class);
        return Credential.createResidentCredential(credentialId, options.rp().id(),
                new PKCS8EncodedKeySpec(keys.getPrivate().getEncoded()),
                Base64.getUrlDecoder().decode(options.user().id()), 0);
    }
}
