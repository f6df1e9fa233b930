package io.otpgate.spring.webauthn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.otpgate.spring.device.AccountRef;
import io.otpgate.spring.device.Accounts;
import io.otpgate.webauthn.TestAuthenticator;

/**
 * The two inputs of the ceremonies that come from the browser: a registration's and an assertion's
 * {@code PublicKeyCredential} JSON, arbitrary or made from a genuine answer with one part replaced, cut or with bytes
 * flipped. Never an exception, and a refusal changes nothing but the challenge; an input whose signed parts were
 * changed is never accepted. The regression inputs run in every build; {@code -Djazzer.fuzz} fuzzes.
 */
class PasskeyFuzzTest {

    private static final String ORIGIN = "http://localhost:8080";

    static {
        // Coverage feedback from otpgate and webauthn4j only: instrumenting all of Spring for every run of the
        // regression inputs took minutes. Read when Jazzer's agent starts, at the first fuzz test.
        if (System.getProperty("jazzer.instrumentation_includes") == null) {
            System.setProperty("jazzer.instrumentation_includes", "io.otpgate.**:com.webauthn4j.**");
            System.setProperty("jazzer.custom_hook_includes", "io.otpgate.**:com.webauthn4j.**");
        }
    }

    private static ConfigurableApplicationContext context;
    private static AccountRef alice;
    private static TestAuthenticator key;

    private static synchronized ConfigurableApplicationContext context() {
        if (context == null) {
            context = new SpringApplicationBuilder(PasskeyTestApplication.class).properties(
                    PasskeyTestApplication.PROPERTIES, PasskeyTestApplication.KEYS, "logging.level.otpgate=WARN")
                    .run();
            alice = context.getBean(Accounts.class).forUserKey("fuzz-" + UUID.randomUUID());
            key = new TestAuthenticator();
            PasskeyRegistration registration = context.getBean(PasskeyRegistration.class);
            PasskeyOptions.Creation options = registration.options(alice, null, null);
            assertThat(registration.finish(alice.accountId(), key.register(options.challenge(), "localhost", ORIGIN),
                    ORIGIN, null, null)).isInstanceOf(RegistrationOutcome.Registered.class);
        }
        return context;
    }

    /**
     * Layout ({@link FuzzedDataProvider}): the mutation (arbitrary text, or a genuine assertion with its client
     * data, authenticator data or signature replaced by the input's bytes, cut, or with one byte flipped, or its
     * JSON text cut and extended), then what the mutation consumes.
     */
    @FuzzTest(maxDuration = "30s")
    void assertions(FuzzedDataProvider data) {
        ConfigurableApplicationContext spring = context();
        PasskeyAuthentication authentication = spring.getBean(PasskeyAuthentication.class);
        PasskeyOptions.Request options = authentication.options(alice.accountId()).orElseThrow();
        byte[] clientData = TestAuthenticator.clientData("webauthn.get", options.challenge(), ORIGIN);
        byte[] authenticatorData = key.authenticatorData("localhost", false);
        byte[] signature = key.sign(authenticatorData, clientData);
        int mode = data.consumeInt(0, 9);
        String json = switch (mode) {
            case 0 -> data.consumeRemainingAsString();
            case 1 -> key.assertionJson(data.consumeRemainingAsBytes(), authenticatorData, signature, null);
            case 2 -> key.assertionJson(clientData, data.consumeRemainingAsBytes(), signature, null);
            case 3 -> key.assertionJson(clientData, authenticatorData, data.consumeRemainingAsBytes(), null);
            case 4 -> key.assertionJson(changed(clientData, data), authenticatorData, signature, null);
            case 5 -> key.assertionJson(clientData, changed(authenticatorData, data), signature, null);
            case 6 -> key.assertionJson(clientData, authenticatorData, changed(signature, data), null);
            default -> {
                String genuine = key.assertionJson(clientData, authenticatorData, signature, null);
                yield genuine.substring(0, data.consumeInt(0, genuine.length() - 1))
                        + data.consumeRemainingAsString();
            }
        };
        Map<String, Object> before = state(spring);
        AssertionOutcome outcome = authentication.verify(alice.accountId(), json, ORIGIN, "192.0.2.1");
        if (outcome instanceof AssertionOutcome.Refused) {
            assertThat(state(spring)).isEqualTo(before);
        } else {
            // Only the JSON around genuine signed parts may change without a refusal: never the parts themselves.
            assertThat(mode).isGreaterThanOrEqualTo(7);
            assertThat(json).contains(TestAuthenticator.encode(authenticatorData))
                    .contains(TestAuthenticator.encode(signature)).contains(TestAuthenticator.encode(clientData));
        }
    }

    /**
     * Layout: the mutation (arbitrary text, a genuine registration answer with its client data or attestation object
     * replaced, changed, or its JSON text cut and extended), then what it consumes. Never an exception; a refusal
     * stores nothing. The authenticator's one credential is registered already, so even an untouched answer is
     * refused ({@code CREDENTIAL_EXISTS}): nothing is ever stored.
     */
    @FuzzTest(maxDuration = "30s")
    void registrations(FuzzedDataProvider data) {
        ConfigurableApplicationContext spring = context();
        PasskeyRegistration registration = spring.getBean(PasskeyRegistration.class);
        PasskeyOptions.Creation options = registration.options(alice, null, null);
        byte[] clientData = TestAuthenticator.clientData("webauthn.create", options.challenge(), ORIGIN);
        String genuine = key.register(options.challenge(), "localhost", ORIGIN);
        byte[] attestationObject = TestAuthenticator.decode(
                genuine.replaceAll(".*\"attestationObject\":\"([^\"]+)\".*", "$1"));
        String json = switch (data.consumeInt(0, 5)) {
            case 0 -> data.consumeRemainingAsString();
            case 1 -> key.registrationJson(data.consumeRemainingAsBytes(), attestationObject);
            case 2 -> key.registrationJson(clientData, data.consumeRemainingAsBytes());
            case 3 -> key.registrationJson(changed(clientData, data), attestationObject);
            case 4 -> key.registrationJson(clientData, changed(attestationObject, data));
            default -> genuine.substring(0, data.consumeInt(0, genuine.length() - 1))
                    + data.consumeRemainingAsString();
        };
        Map<String, Object> before = state(spring);
        RegistrationOutcome outcome = registration.finish(alice.accountId(), json, ORIGIN, null, null);
        // A changed credential id or key may register as a new credential; then it is removed again.
        if (outcome instanceof RegistrationOutcome.Registered registered) {
            spring.getBean(io.otpgate.spring.device.DeviceService.class).remove(alice.accountId(),
                    registered.device(), null);
        } else {
            assertThat(state(spring)).isEqualTo(before);
        }
    }

    /** The bytes cut at a point, or with one byte flipped, or with one or more bytes appended: never the same. */
    private static byte[] changed(byte[] genuine, FuzzedDataProvider data) {
        int at = data.consumeInt(0, genuine.length - 1);
        return switch (data.consumeInt(0, 2)) {
            case 0 -> java.util.Arrays.copyOf(genuine, at);
            case 1 -> {
                byte[] flipped = genuine.clone();
                flipped[at] ^= (byte) Math.max(1, data.consumeInt(1, 255));
                yield flipped;
            }
            default -> {
                byte[] rest = data.consumeRemainingAsBytes();
                byte[] tail = rest.length == 0 ? new byte[1] : rest;
                byte[] longer = java.util.Arrays.copyOf(genuine, genuine.length + tail.length);
                System.arraycopy(tail, 0, longer, genuine.length, tail.length);
                yield longer;
            }
        };
    }

    private static Map<String, Object> state(ConfigurableApplicationContext spring) {
        JdbcClient jdbc = spring.getBean(JdbcClient.class);
        List<Map<String, Object>> devices = jdbc.sql("select id, sign_count, last_used_at, uv_at_last_use, backed_up "
                + "from otpgate_webauthn_device where account_id = ? order by id").param(alice.accountId()).query()
                .listOfRows();
        List<Map<String, Object>> account = jdbc.sql("select failure_count, locked_at, last_verified_at "
                + "from otpgate_account where id = ?").param(alice.accountId()).query().listOfRows();
        return Map.of("devices", devices, "account", account);
    }
}
