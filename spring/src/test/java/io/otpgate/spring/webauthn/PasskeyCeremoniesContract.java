package io.otpgate.spring.webauthn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.AccountRef;
import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.DeviceSummary;
import io.otpgate.spring.device.PendingSetups;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.spring.notify.SecurityNotification;
import io.otpgate.spring.notify.SecurityNotification.Kind;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.spring.webauthn.PasskeyTestApplication.TestClock;
import io.otpgate.webauthn.TestAuthenticator;
import tools.jackson.databind.json.JsonMapper;

/**
 * The passkey ceremonies against the library's services and a real database ({@link PasskeyCeremoniesOnH2Test},
 * {@link PasskeyCeremoniesOnPostgresTest}), with {@link TestAuthenticator} as the authenticator.
 */
@SpringBootTest(classes = PasskeyTestApplication.class,
        properties = { PasskeyTestApplication.PROPERTIES, PasskeyTestApplication.KEYS })
abstract class PasskeyCeremoniesContract {

    static final String ORIGIN = "http://localhost:8080";
    static final String ADDRESS = "203.0.113.7";

    @Autowired
    PasskeyRegistration registration;
    @Autowired
    PasskeyAuthentication authentication;
    @Autowired
    Passkeys passkeys;
    @Autowired
    Accounts accounts;
    @Autowired
    DeviceService devices;
    @Autowired
    VerificationService verification;
    @Autowired
    SecurityEvents events;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    TestClock clock;

    AccountRef alice;
    TestAuthenticator key;
    final List<SecurityNotification> notifications = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Autowired
    void listen(org.springframework.context.ConfigurableApplicationContext context) {
        context.addApplicationListener(event -> {
            if (event instanceof org.springframework.context.PayloadApplicationEvent<?> payload
                    && payload.getPayload() instanceof SecurityNotification notification
                    && alice != null && notification.userKey().equals(alice.accountName())) {
                notifications.add(notification);
            }
        });
    }

    @BeforeEach
    void setUp() {
        alice = accounts.forUserKey("alice-" + UUID.randomUUID());
        key = new TestAuthenticator(new SecureRandom());
        key.signCount = 1;
    }

    RegistrationOutcome.Registered register(AccountRef account, TestAuthenticator authenticator) {
        PasskeyOptions.Creation options = registration.options(account, null, null);
        String json = authenticator.register(options.challenge(), options.rp().id(), ORIGIN);
        RegistrationOutcome outcome = registration.finish(account.accountId(), json, ORIGIN, "My key", ADDRESS);
        assertThat(outcome).isInstanceOf(RegistrationOutcome.Registered.class);
        return (RegistrationOutcome.Registered) outcome;
    }

    String assertion(AccountRef account, TestAuthenticator authenticator) {
        PasskeyOptions.Request options = authentication.options(account.accountId()).orElseThrow();
        return authenticator.authenticate(options.challenge(), options.rpId(), ORIGIN, null);
    }

    AssertionOutcome verify(AccountRef account, String json) {
        return authentication.verify(account.accountId(), json, ORIGIN, ADDRESS);
    }

    static WebAuthnRefusal reason(Object outcome) {
        assertThat(outcome).isInstanceOfAny(AssertionOutcome.Refused.class, RegistrationOutcome.Refused.class);
        return outcome instanceof AssertionOutcome.Refused r ? r.reason()
                : ((RegistrationOutcome.Refused) outcome).reason();
    }

    /** What a refused response must not change: the credentials, the account's failures, the failure memory. */
    Map<String, Object> state(AccountRef account) {
        return Map.of("devices", jdbc.sql("select id, sign_count, last_used_at, uv_at_last_use, backed_up, "
                + "throttling_failure_count from otpgate_webauthn_device where account_id = ? order by id")
                .param(account.accountId()).query().listOfRows(),
                "account", jdbc.sql("select failure_count, locked_at, last_verified_at from otpgate_account "
                        + "where id = ?").param(account.accountId()).query().listOfRows(),
                "failures", jdbc.sql("select count(*) from otpgate_failure where account_id = ?")
                        .param(account.accountId()).query(Long.class).single());
    }

    @Test
    void optionsWhenRegisteringThenLevel3JsonFormWithNoneAttestationAndPreferredVerification() {
        PasskeyOptions.Creation options = registration.options(alice, "alice", "Alice A.");

        assertThat(options.rp()).isEqualTo(new PasskeyOptions.RelyingParty("localhost", "otpgate"));
        assertThat(TestAuthenticator.decode(options.challenge())).hasSize(32);
        assertThat(TestAuthenticator.decode(options.user().id())).hasSize(32);
        assertThat(options.user().name()).isEqualTo("alice");
        assertThat(options.user().displayName()).isEqualTo("Alice A.");
        assertThat(options.attestation()).isEqualTo("none");
        assertThat(options.authenticatorSelection())
                .isEqualTo(new PasskeyOptions.AuthenticatorSelection("preferred", false, "preferred"));
        assertThat(options.pubKeyCredParams()).extracting(PasskeyOptions.CredentialParameters::alg)
                .containsExactly(-7L, -8L, -257L);
        assertThat(options.timeout()).isEqualTo(300_000L);
        assertThat(options.excludeCredentials()).isEmpty();
        // As Spring's Jackson writes it for the browser's PublicKeyCredential.parseCreationOptionsFromJSON.
        assertThat(JsonMapper.builder().build().writeValueAsString(options))
                .startsWith("{\"rp\":{\"id\":\"localhost\",\"name\":\"otpgate\"},\"user\":{\"id\":\"")
                .contains("\"pubKeyCredParams\":[{\"type\":\"public-key\",\"alg\":-7},")
                .endsWith(",\"timeout\":300000,\"excludeCredentials\":[],\"authenticatorSelection\":{"
                        + "\"residentKey\":\"preferred\",\"requireResidentKey\":false,"
                        + "\"userVerification\":\"preferred\"},\"attestation\":\"none\"}");
    }

    @Test
    void finishThenAuthenticateWhenSignedByTheRegisteredKeyThenVerifiedAndRecorded() {
        RegistrationOutcome.Registered registered = register(alice, key);

        assertThat(registered.device().kind()).isEqualTo(DeviceKind.WEBAUTHN);
        assertThat(registered.device().persistentId()).startsWith("webauthn/");
        assertThat(registered.name()).isEqualTo("My key");
        assertThat(registered.userVerified()).isTrue();
        assertThat(registered.backupEligible()).isTrue();
        assertThat(registered.backedUp()).isTrue();
        assertThat(devices.hasConfirmedDevice(alice.accountId())).isTrue();
        assertThat(events.list(alice.accountId(), null, null, null, 10)).extracting(e -> e.kind())
                .contains(SecurityEventKind.DEVICE_ADDED, SecurityEventKind.DEVICE_CONFIRMED);
        assertThat(notifications).extracting(SecurityNotification::kind).containsExactly(Kind.PASSKEY_ADDED);
        // A second passkey: added, not confirmed again (the second factor was on already).
        register(alice, new TestAuthenticator());
        assertThat(events.list(alice.accountId(), SecurityEventKind.DEVICE_CONFIRMED, null, null, 10)).hasSize(1);
        assertThat(events.list(alice.accountId(), SecurityEventKind.DEVICE_ADDED, null, null, 10)).hasSize(2);
        devices.remove(alice.accountId(), devices.list(alice.accountId()).get(1).ref(), ADDRESS);
        // The options of a second registration exclude it.
        assertThat(registration.options(alice, null, null).excludeCredentials())
                .extracting(PasskeyOptions.CredentialDescriptor::id).containsExactly(key.id());

        clock.advance(Duration.ofMinutes(1));
        AssertionOutcome outcome = verify(alice, assertion(alice, key));

        assertThat(outcome).isEqualTo(new AssertionOutcome.Verified(registered.device(), true, true, 0));
        Passkeys.Passkey listed = passkeys.list(alice.accountId()).get(0);
        assertThat(listed.lastUsedAt()).isEqualTo(clock.instant());
        assertThat(listed.userVerified()).isTrue();
        assertThat(listed.synced()).isTrue();
        assertThat(listed.transports()).containsExactly("hybrid", "internal");
        assertThat(devices.list(alice.accountId())).extracting(DeviceSummary::description)
                .containsExactly("passkey, synced, user verified");
        assertThat(events.list(alice.accountId(), SecurityEventKind.OTP_VERIFIED, null, null, 10)).hasSize(1);
    }

    @Test
    void verifyWhenUserNotVerifiedAndDeviceBoundThenVerifiedWithBothFlagsFalse() {
        key.backupEligible = false;
        key.backedUp = false;
        key.userVerified = false;
        register(alice, key);

        AssertionOutcome outcome = verify(alice, assertion(alice, key));

        assertThat(outcome).isInstanceOfSatisfying(AssertionOutcome.Verified.class, v -> {
            assertThat(v.userVerified()).isFalse();
            assertThat(v.backedUp()).isFalse();
        });
        assertThat(devices.list(alice.accountId())).extracting(DeviceSummary::description)
                .containsExactly("security key, user not verified");
    }

    @Test
    void verifyWhenSameAssertionSentAgainThenRefused() {
        register(alice, key);
        String json = assertion(alice, key);
        assertThat(verify(alice, json)).isInstanceOf(AssertionOutcome.Verified.class);
        Map<String, Object> before = state(alice);

        assertThat(reason(verify(alice, json))).isEqualTo(WebAuthnRefusal.CHALLENGE_UNKNOWN);
        assertThat(state(alice)).isEqualTo(before);
    }

    @Test
    void verifyWhenSameAssertionSentByManyAtOnceThenExactlyOneVerified() throws Exception {
        register(alice, key);
        String json = assertion(alice, key);
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<AssertionOutcome>> results = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return verify(alice, json);
                }));
            }
            assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            List<AssertionOutcome> outcomes = new ArrayList<>();
            for (Future<AssertionOutcome> result : results) {
                outcomes.add(result.get(30, TimeUnit.SECONDS));
            }
            assertThat(outcomes).filteredOn(AssertionOutcome.Verified.class::isInstance).hasSize(1);
            assertThat(outcomes).filteredOn(AssertionOutcome.Refused.class::isInstance).hasSize(threads - 1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(events.list(alice.accountId(), SecurityEventKind.OTP_VERIFIED, null, null, 10)).hasSize(1);
    }

    @Test
    void verifyWhenCredentialIsAnotherUsersThenRefusedAndNothingChanges() {
        AccountRef bob = accounts.forUserKey("bob-" + UUID.randomUUID());
        TestAuthenticator bobsKey = new TestAuthenticator();
        register(bob, bobsKey);
        register(alice, key);
        Map<String, Object> alicesBefore = state(alice);
        Map<String, Object> bobsBefore = state(bob);

        // Bob's authenticator answers Alice's challenge (Bob knows Alice's password).
        AssertionOutcome outcome = verify(alice, assertion(alice, bobsKey));

        assertThat(reason(outcome)).isEqualTo(WebAuthnRefusal.UNKNOWN_CREDENTIAL);
        assertThat(state(alice)).isEqualTo(alicesBefore);
        assertThat(state(bob)).isEqualTo(bobsBefore);
    }

    @Test
    void finishWhenCredentialRegisteredToAnotherUserThenRefused() {
        AccountRef bob = accounts.forUserKey("bob-" + UUID.randomUUID());
        register(bob, key);

        PasskeyOptions.Creation options = registration.options(alice, null, null);
        RegistrationOutcome outcome = registration.finish(alice.accountId(),
                key.register(options.challenge(), "localhost", ORIGIN), ORIGIN, null, ADDRESS);

        assertThat(reason(outcome)).isEqualTo(WebAuthnRefusal.CREDENTIAL_EXISTS);
        assertThat(passkeys.list(alice.accountId())).isEmpty();
    }

    @Test
    void verifyWhenClientDataOriginNotAllowedThenRefusedWithOriginReason() {
        register(alice, key);
        PasskeyOptions.Request options = authentication.options(alice.accountId()).orElseThrow();
        String phished = key.authenticate(options.challenge(), "localhost", "https://evil.example", null);
        Map<String, Object> before = state(alice);

        assertThat(reason(authentication.verify(alice.accountId(), phished, null, ADDRESS)))
                .isEqualTo(WebAuthnRefusal.ORIGIN_NOT_ALLOWED);
        assertThat(state(alice)).isEqualTo(before);
        assertThat(WebAuthnRefusal.ORIGIN_NOT_ALLOWED.message()).contains("not allowed");
    }

    @Test
    void verifyWhenRequestOriginDiffersFromClientDataOriginThenRefused() {
        register(alice, key);

        assertThat(reason(authentication.verify(alice.accountId(), assertion(alice, key), "http://localhost:9999",
                ADDRESS))).isEqualTo(WebAuthnRefusal.ORIGIN_NOT_ALLOWED);
    }

    @Test
    void finishWhenOriginNotAllowedThenRefusedAndNothingStored() {
        PasskeyOptions.Creation options = registration.options(alice, null, null);

        RegistrationOutcome outcome = registration.finish(alice.accountId(),
                key.register(options.challenge(), "localhost", "https://evil.example"), null, null, ADDRESS);

        assertThat(reason(outcome)).isEqualTo(WebAuthnRefusal.ORIGIN_NOT_ALLOWED);
        assertThat(passkeys.list(alice.accountId())).isEmpty();
    }

    @Test
    void verifyWhenCounterGoesBackwardsThenRefusedAsCloned() {
        register(alice, key);
        key.signCount = 10;
        assertThat(verify(alice, assertion(alice, key))).isInstanceOf(AssertionOutcome.Verified.class);
        Map<String, Object> before = state(alice);

        key.signCount = 5;
        assertThat(reason(verify(alice, assertion(alice, key)))).isEqualTo(WebAuthnRefusal.COUNTER_NOT_INCREASED);
        key.signCount = 10;
        assertThat(reason(verify(alice, assertion(alice, key)))).isEqualTo(WebAuthnRefusal.COUNTER_NOT_INCREASED);
        assertThat(state(alice)).isEqualTo(before);
        key.signCount = 12;
        assertThat(verify(alice, assertion(alice, key))).isInstanceOf(AssertionOutcome.Verified.class);
    }

    @Test
    void verifyWhenAuthenticatorKeepsNoCounterThenZeroAllowedEachTime() {
        key.signCount = 0;
        key.counting = false;
        register(alice, key);

        assertThat(verify(alice, assertion(alice, key))).isInstanceOf(AssertionOutcome.Verified.class);
        assertThat(verify(alice, assertion(alice, key))).isInstanceOf(AssertionOutcome.Verified.class);
    }

    @Test
    void verifyWhenChallengeExpiredThenRefusedAndThenUnknown() {
        register(alice, key);
        String json = assertion(alice, key);
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));

        assertThat(reason(verify(alice, json))).isEqualTo(WebAuthnRefusal.CHALLENGE_EXPIRED);
        assertThat(reason(verify(alice, json))).isEqualTo(WebAuthnRefusal.CHALLENGE_UNKNOWN);
    }

    @Test
    void verifyWhenChallengeWasForRegistrationThenRefused() {
        register(alice, key);
        PasskeyOptions.Creation options = registration.options(alice, null, null);

        String json = key.authenticate(options.challenge(), "localhost", ORIGIN, null);

        assertThat(reason(verify(alice, json))).isEqualTo(WebAuthnRefusal.CHALLENGE_UNKNOWN);
    }

    @Test
    void verifyWhenChallengeNeverIssuedThenRefused() {
        register(alice, key);

        String json = key.authenticate(TestAuthenticator.encode(new byte[32]), "localhost", ORIGIN, null);

        assertThat(reason(verify(alice, json))).isEqualTo(WebAuthnRefusal.CHALLENGE_UNKNOWN);
    }

    @Test
    void finishWhenChallengeExpiredThenRefusedAndNothingStored() {
        PasskeyOptions.Creation options = registration.options(alice, null, null);
        clock.advance(Duration.ofMinutes(6));

        RegistrationOutcome outcome = registration.finish(alice.accountId(),
                key.register(options.challenge(), "localhost", ORIGIN), ORIGIN, null, ADDRESS);

        assertThat(reason(outcome)).isEqualTo(WebAuthnRefusal.CHALLENGE_EXPIRED);
        assertThat(passkeys.list(alice.accountId())).isEmpty();
    }

    @Test
    void verifyWhenSignatureIsOverOtherDataThenBadSignature() {
        register(alice, key);
        PasskeyOptions.Request options = authentication.options(alice.accountId()).orElseThrow();
        byte[] clientData = TestAuthenticator.clientData("webauthn.get", options.challenge(), ORIGIN);
        byte[] authenticatorData = key.authenticatorData("localhost", false);
        byte[] signature = key.sign(authenticatorData, "{}".getBytes());
        Map<String, Object> before = state(alice);

        assertThat(reason(verify(alice, key.assertionJson(clientData, authenticatorData, signature, null))))
                .isEqualTo(WebAuthnRefusal.BAD_SIGNATURE);
        assertThat(state(alice)).isEqualTo(before);
    }

    @Test
    void verifyWhenRpIdHashIsAnotherSitesThenNotVerified() {
        register(alice, key);
        key.rpIdOverride = "evil.example";

        assertThat(reason(verify(alice, assertion(alice, key)))).isEqualTo(WebAuthnRefusal.NOT_VERIFIED);
    }

    @Test
    void verifyWhenUserNotPresentThenNotVerified() {
        register(alice, key);
        key.userPresent = false;

        assertThat(reason(verify(alice, assertion(alice, key)))).isEqualTo(WebAuthnRefusal.NOT_VERIFIED);
    }

    @Test
    void verifyWhenUserHandleIsNotTheCredentialsThenRefused() {
        register(alice, key);
        PasskeyOptions.Request options = authentication.options(alice.accountId()).orElseThrow();

        String json = key.authenticate(options.challenge(), "localhost", ORIGIN, TestAuthenticator.encode(new byte[8]));

        assertThat(reason(verify(alice, json))).isEqualTo(WebAuthnRefusal.UNKNOWN_CREDENTIAL);
    }

    @Test
    void verifyWhenUserHandleIsTheRegisteredOneThenVerified() {
        PasskeyOptions.Creation creation = registration.options(alice, null, null);
        registration.finish(alice.accountId(), key.register(creation.challenge(), "localhost", ORIGIN), ORIGIN,
                null, ADDRESS);
        PasskeyOptions.Request options = authentication.options(alice.accountId()).orElseThrow();

        String json = key.authenticate(options.challenge(), "localhost", ORIGIN, creation.user().id());

        assertThat(verify(alice, json)).isInstanceOf(AssertionOutcome.Verified.class);
    }

    @Test
    void verifyWhenMalformedThenRefusedAndNothingChanges() {
        register(alice, key);
        PasskeyOptions.Request options = authentication.options(alice.accountId()).orElseThrow();
        byte[] clientData = TestAuthenticator.clientData("webauthn.get", options.challenge(), ORIGIN);
        byte[] authenticatorData = key.authenticatorData("localhost", false);
        byte[] signature = key.sign(authenticatorData, clientData);
        String good = key.assertionJson(clientData, authenticatorData, signature, null);
        Map<String, Object> before = state(alice);
        List<String> malformed = List.of("", "{", "[]", "null", "{}", "\"x\"",
                good.replace("\"clientDataJSON\":\"", "\"clientDataJSON\":\"***"),
                key.assertionJson("not json".getBytes(), authenticatorData, signature, null),
                key.assertionJson("{\"type\":\"webauthn.get\"}".getBytes(), authenticatorData, signature, null),
                key.assertionJson(clientData, new byte[10], signature, null),
                key.assertionJson(clientData, new byte[0], signature, null),
                good.replace("\"authenticatorData\":\"", "\"authenticatorData\":\"%%"),
                good.replace("\"signature\":\"", "\"signature\":\"!"),
                good.replace("\"id\":\"" + key.id() + "\",\"rawId\":\"" + key.id() + "\"",
                        "\"id\":\"\",\"rawId\":\"\""),
                "x".repeat(WebAuthnCodec.MAX_JSON + 1));
        for (String json : malformed) {
            assertThat(verify(alice, json)).as(json.length() > 200 ? json.substring(0, 200) : json)
                    .isInstanceOf(AssertionOutcome.Refused.class);
        }
        assertThat(authentication.verify(alice.accountId(), null, ORIGIN, ADDRESS))
                .isEqualTo(new AssertionOutcome.Refused(WebAuthnRefusal.MALFORMED));
        // Garbage where the signature goes: a refusal, never an exception.
        assertThat(reason(verify(alice, key.assertionJson(clientData, authenticatorData, new byte[71], null))))
                .isIn(WebAuthnRefusal.BAD_SIGNATURE, WebAuthnRefusal.MALFORMED, WebAuthnRefusal.CHALLENGE_UNKNOWN);
        assertThat(state(alice)).isEqualTo(before);
    }

    @Test
    void finishWhenMalformedThenRefusedAndNothingStored() {
        PasskeyOptions.Creation options = registration.options(alice, null, null);
        byte[] clientData = TestAuthenticator.clientData("webauthn.create", options.challenge(), ORIGIN);
        String good = key.register(options.challenge(), "localhost", ORIGIN);
        List<String> malformed = List.of("", "{", "[]", "{}",
                good.replace("\"attestationObject\":\"", "\"attestationObject\":\"***"),
                key.registrationJson(clientData, new byte[] { (byte) 0xa3, 0x01 }),
                key.registrationJson(clientData, "not cbor".getBytes()),
                key.registrationJson("not json".getBytes(), TestAuthenticator.decode(
                        good.replaceAll(".*\"attestationObject\":\"([^\"]+)\".*", "$1"))),
                "x".repeat(WebAuthnCodec.MAX_JSON + 1));
        for (String json : malformed) {
            assertThat(registration.finish(alice.accountId(), json, ORIGIN, null, ADDRESS))
                    .as(json.length() > 200 ? json.substring(0, 200) : json)
                    .isInstanceOf(RegistrationOutcome.Refused.class);
        }
        assertThat(passkeys.list(alice.accountId())).isEmpty();
        assertThat(devices.hasConfirmedDevice(alice.accountId())).isFalse();
    }

    @Test
    void finishWhenClientDataTypeIsGetThenNotVerified() {
        PasskeyOptions.Creation options = registration.options(alice, null, null);
        String json = key.register(options.challenge(), "localhost", ORIGIN).replace(
                TestAuthenticator.encode(TestAuthenticator.clientData("webauthn.create", options.challenge(), ORIGIN)),
                TestAuthenticator.encode(TestAuthenticator.clientData("webauthn.get", options.challenge(), ORIGIN)));

        assertThat(reason(registration.finish(alice.accountId(), json, ORIGIN, null, ADDRESS)))
                .isEqualTo(WebAuthnRefusal.NOT_VERIFIED);
    }

    @Test
    void finishWhenNameTooLongThenInvalid() {
        assertThatThrownBy(() -> registration.finish(alice.accountId(), "{}", ORIGIN, "n".repeat(65), ADDRESS))
                .isInstanceOf(OtpgateException.class).hasMessageContaining("device name");
    }

    @Test
    void optionsWhenUserHasNoPasskeyThenEmpty() {
        assertThat(authentication.options(alice.accountId())).isEmpty();
        assertThat(authentication.options(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void verifyCodeWhenUserHasOnlyAPasskeyThenNoDeviceMatches() {
        register(alice, key);

        VerificationOutcome outcome = verification.verify(alice.accountId(), "123456",
                java.util.EnumSet.allOf(DeviceKind.class), PendingSetups.NONE, ADDRESS);

        assertThat(outcome).isInstanceOf(VerificationOutcome.NoDevice.class);
    }

    @Test
    void removeWhenPasskeyRemovedThenItNoLongerVerifies() {
        RegistrationOutcome.Registered registered = register(alice, key);
        String json = assertion(alice, key);

        devices.remove(alice.accountId(), registered.device(), ADDRESS);

        assertThat(reason(verify(alice, json))).isEqualTo(WebAuthnRefusal.UNKNOWN_CREDENTIAL);
        assertThat(devices.hasConfirmedDevice(alice.accountId())).isFalse();
    }

    @Test
    void verifyWhenAccountLockedThenRefusedLocked() {
        register(alice, key);
        jdbc.sql("update otpgate_account set failure_count = 10, locked_at = ? where id = ?")
                .params(java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).plusYears(1), alice.accountId())
                .update();

        assertThat(reason(verify(alice, assertion(alice, key)))).isEqualTo(WebAuthnRefusal.LOCKED);
    }
}
