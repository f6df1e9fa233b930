package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.webauthn.WebAuthnRefusal;
import io.otpgate.webauthn.TestAuthenticator;
import tools.jackson.databind.JsonNode;

/**
 * The passkey ceremonies of the API ({@code /api/webauthn/...}) through MockMvc, with a software authenticator
 * ({@link TestAuthenticator}) playing the browser: registration, the second factor and its token pair, and every
 * refusal (another user's passkey, a replay, a wrong origin, a counter that went backwards, malformed answers, a
 * session that may not add a device, a lock).
 */
class PasskeyEndpointsTest extends ApiTestBase {

    static final String ORIGIN = "http://localhost:8080";
    static final String SECOND_FACTOR_MISSING =
            "You do not have permission to perform this action until you verify your MFA device.";

    @Autowired DeviceService devices;
    @Autowired JwtDecoder decoder;
    @Autowired Converter<Jwt, AbstractAuthenticationToken> converter;

    TestAuthenticator key;

    @BeforeEach
    void newKey() {
        key = new TestAuthenticator();
        key.signCount = 1;
    }

    // Helpers: the browser's part

    Answer postFrom(String origin, String path, String bearer, String body) throws Exception {
        MockHttpServletRequestBuilder request = MockMvcRequestBuilders.post(path);
        if (origin != null) {
            request.header("Origin", origin);
        }
        return call(request, bearer, body);
    }

    /** Registers the key for the token's user from {@link #ORIGIN}: the answer of {@code register}. */
    Answer register(String access, TestAuthenticator authenticator, String name) throws Exception {
        Answer options = postFrom(ORIGIN, "/api/webauthn/register/options", access, null);
        assertThat(options.status()).as("options %s", options.json()).isEqualTo(200);
        String credential = authenticator.register(options.text("challenge"), options.json().get("rp").get("id")
                .stringValue(), ORIGIN);
        return postFrom(ORIGIN, "/api/webauthn/register", access, registration(credential, name));
    }

    static String registration(String credential, String name) {
        return "{\"credential\":" + credential + (name == null ? "" : ",\"name\":" + JSON.writeValueAsString(name))
                + "}";
    }

    static String assertionBody(String credential) {
        return "{\"credential\":" + credential + "}";
    }

    /** The key's answer to fresh request options for the token's user, signed for {@code origin}. */
    String assertion(String access, TestAuthenticator authenticator, String origin) throws Exception {
        Answer options = postFrom(ORIGIN, "/api/webauthn/login/options", access, null);
        assertThat(options.status()).as("options %s", options.json()).isEqualTo(200);
        return authenticator.authenticate(options.text("challenge"), options.text("rpId"), origin, null);
    }

    Answer passkeyLogin(String access, String credential) throws Exception {
        return postFrom(ORIGIN, "/api/webauthn/login", access, assertionBody(credential));
    }

    /** A user who logged in with the password and registered {@link #key}: their password-only tokens. */
    Tokens withPasskey() throws Exception {
        Tokens password = login();
        assertThat(register(password.access(), key, "Laptop").status()).isEqualTo(201);
        return password;
    }

    static void assertRefused(Answer answer, WebAuthnRefusal reason) {
        int status = reason == WebAuthnRefusal.LOCKED ? 429 : 400;
        assertThat(answer.status()).as("answer %s", answer.json()).isEqualTo(status);
        assertThat(answer.response().getContentType()).startsWith(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        assertThat(answer.text("detail")).isEqualTo(reason.message());
        assertThat(answer.text("code")).isEqualTo(reason.name().toLowerCase());
        assertThat(answer.json().has("access")).isFalse();
    }

    static void assertProblem(Answer answer, int status, String message) {
        assertThat(answer.status()).as("answer %s", answer.json()).isEqualTo(status);
        assertThat(answer.response().getContentType()).startsWith(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        assertThat(answer.text("detail")).isEqualTo(message);
    }

    Map<String, Object> passkeyState() {
        return Map.of("devices", jdbc.sql("select id, sign_count, last_used_at, uv_at_last_use, backed_up "
                + "from otpgate_webauthn_device where account_id = ? order by id").param(user.id()).query()
                .listOfRows(), "account", jdbc.sql("select failure_count, locked_at, last_verified_at from "
                        + "otpgate_account where id = ?").param(user.id()).query().listOfRows());
    }

    // Registration, then the second factor

    @Test
    void registerWhenUserHasNoDeviceThenCreatedWithWhatTheAuthenticatorReported() throws Exception {
        Tokens password = login();
        Answer options = postFrom(ORIGIN, "/api/webauthn/register/options", password.access(), null);

        assertThat(options.status()).isEqualTo(200);
        assertThat(options.json().get("rp").get("id").stringValue()).isEqualTo("localhost");
        assertThat(options.json().get("user").get("name").stringValue()).isEqualTo(user.username());
        assertThat(options.text("attestation")).isEqualTo("none");
        assertThat(options.json().get("authenticatorSelection").get("userVerification").stringValue())
                .isEqualTo("preferred");
        assertThat(TestAuthenticator.decode(options.text("challenge"))).hasSize(32);

        String credential = key.register(options.text("challenge"), "localhost", ORIGIN);
        Answer registered = postFrom(ORIGIN, "/api/webauthn/register", password.access(),
                registration(credential, "Laptop"));

        assertThat(registered.status()).as("answer %s", registered.json()).isEqualTo(201);
        String id = registered.text("id");
        assertThat(id).matches("webauthn/[0-9]+");
        assertThat(registered.text("name")).isEqualTo("Laptop");
        assertThat(registered.json().get("user_verified").booleanValue()).isTrue();
        assertThat(registered.json().get("synced").booleanValue()).isTrue();
        assertThat(devices.hasConfirmedDevice(user.id())).isTrue();
        // The password-only token no longer passes the optional-2FA rule: the user now has a second factor.
        assertProblem(get("/api/me", password.access()), 403, SECOND_FACTOR_MISSING);
    }

    @Test
    void loginWhenRegisteredPasskeySignsThenTokenPairNamesItWithSyncedAndVerifiedAmr() throws Exception {
        Tokens password = withPasskey();
        String id = jdbc.sql("select id from otpgate_webauthn_device where account_id = ?").param(user.id())
                .query(Long.class).single().toString();

        Answer login = passkeyLogin(password.access(), assertion(password.access(), key, ORIGIN));

        Tokens verified = tokens(login);
        assertThat(login.json().get("wrong_codes_since_last_login").intValue()).isZero();
        JsonNode claims = payload(verified.access());
        assertThat(claims.get("user_id").longValue()).isEqualTo(user.id());
        assertThat(claims.get("otp_device_id").stringValue()).isEqualTo("webauthn/" + id);
        assertThat(claims.get("amr").toString()).isEqualTo("[\"pwd\",\"swk\",\"user\",\"mfa\"]");
        assertThat(claims.get("auth_time").longValue())
                .isEqualTo(payload(password.access()).get("auth_time").longValue());
        assertThat(claims.get("sv").longValue()).isEqualTo(payload(password.access()).get("sv").longValue());
        assertThat(payload(verified.refresh()).get("amr")).isEqualTo(claims.get("amr"));
        // The pair proves the second factor where the password-only one does not.
        assertThat(get("/api/me", verified.access()).status()).isEqualTo(200);
        assertProblem(get("/api/me", password.access()), 403, SECOND_FACTOR_MISSING);
    }

    @Test
    void loginWhenDeviceBoundKeyWithoutUserVerificationThenAmrHwkWithoutUser() throws Exception {
        key.backupEligible = false;
        key.backedUp = false;
        key.userVerified = false;
        Tokens password = login();
        Answer registered = register(password.access(), key, null);
        assertThat(registered.status()).isEqualTo(201);
        assertThat(registered.text("name")).isEqualTo("Passkey");
        assertThat(registered.json().get("user_verified").booleanValue()).isFalse();
        assertThat(registered.json().get("synced").booleanValue()).isFalse();

        Tokens verified = tokens(passkeyLogin(password.access(), assertion(password.access(), key, ORIGIN)));

        assertThat(payload(verified.access()).get("amr").toString()).isEqualTo("[\"pwd\",\"hwk\",\"mfa\"]");
    }

    @Test
    void refreshWhenPairCameFromPasskeyThenKeepsDeviceAndAmr() throws Exception {
        Tokens password = withPasskey();
        Tokens verified = tokens(passkeyLogin(password.access(), assertion(password.access(), key, ORIGIN)));

        Tokens refreshed = tokens(post("/api/token/refresh", null, json("refresh", verified.refresh())));

        assertThat(payload(refreshed.access()).get("otp_device_id"))
                .isEqualTo(payload(verified.access()).get("otp_device_id"));
        assertThat(payload(refreshed.access()).get("amr")).isEqualTo(payload(verified.access()).get("amr"));
        assertThat(get("/api/me", refreshed.access()).status()).isEqualTo(200);
    }

    @Test
    void loginWhenNoOriginHeaderThenClientDataOriginAloneIsChecked() throws Exception {
        Tokens password = withPasskey();
        String credential = assertion(password.access(), key, ORIGIN);

        Answer login = postFrom(null, "/api/webauthn/login", password.access(), assertionBody(credential));

        assertThat(login.status()).as("answer %s", login.json()).isEqualTo(200);
    }

    @Test
    void tokenWhenPasskeyProvedItThenFactorWebauthnBesideFactorOtpUntilThePasskeyIsRemoved() throws Exception {
        Enrolled enrolled = enrol();
        assertThat(register(enrolled.verified().access(), key, "Key").status()).isEqualTo(201);
        Tokens passkey = tokens(passkeyLogin(enrolled.passwordOnly().access(),
                assertion(enrolled.passwordOnly().access(), key, ORIGIN)));

        assertThat(authorities(passkey.access())).contains("FACTOR_PASSWORD", "FACTOR_OTP", "FACTOR_WEBAUTHN");
        assertThat(authorities(enrolled.verified().access())).contains("FACTOR_PASSWORD", "FACTOR_OTP")
                .doesNotContain("FACTOR_WEBAUTHN");

        devices.remove(user.id(), DeviceRef.parse(payload(passkey.access()).get("otp_device_id").stringValue())
                .orElseThrow(), null);

        assertThat(authorities(passkey.access())).contains("FACTOR_PASSWORD")
                .doesNotContain("FACTOR_OTP", "FACTOR_WEBAUTHN");
    }

    /** The authorities a request with this access token gets. */
    List<String> authorities(String access) {
        return converter.convert(decoder.decode(access)).getAuthorities().stream()
                .map(org.springframework.security.core.GrantedAuthority::getAuthority).toList();
    }

    // Refusals

    @Test
    void loginWhenAnotherUsersPasskeySignsThenRefusedAndNoTokens() throws Exception {
        Tokens alice = withPasskey();
        assertThat(alice).isNotNull();
        user = newUser();
        TestAuthenticator bobsKey = new TestAuthenticator();
        Tokens bob = login();
        assertThat(register(bob.access(), bobsKey, "Bob's").status()).isEqualTo(201);
        Map<String, Object> before = passkeyState();

        // Alice's key answers Bob's challenge: a valid signature, by a credential that is not Bob's.
        Answer answer = passkeyLogin(bob.access(), assertion(bob.access(), key, ORIGIN));

        assertRefused(answer, WebAuthnRefusal.UNKNOWN_CREDENTIAL);
        assertThat(passkeyState()).isEqualTo(before);
    }

    @Test
    void loginWhenAssertionReplayedThenRefused() throws Exception {
        Tokens password = withPasskey();
        String credential = assertion(password.access(), key, ORIGIN);
        assertThat(passkeyLogin(password.access(), credential).status()).isEqualTo(200);
        Map<String, Object> before = passkeyState();

        Answer replayed = passkeyLogin(password.access(), credential);

        assertRefused(replayed, WebAuthnRefusal.CHALLENGE_UNKNOWN);
        assertThat(passkeyState()).isEqualTo(before);
    }

    @Test
    void loginWhenClientDataOriginNotAllowedThenRefused() throws Exception {
        Tokens password = withPasskey();
        String credential = assertion(password.access(), key, "https://evil.example");
        Map<String, Object> before = passkeyState();

        // A phishing page relays the user's answer: the browser signed its own origin, whatever header is sent.
        Answer fromEvil = postFrom("https://evil.example", "/api/webauthn/login", password.access(),
                assertionBody(credential));

        assertRefused(fromEvil, WebAuthnRefusal.ORIGIN_NOT_ALLOWED);
        assertThat(passkeyState()).isEqualTo(before);
    }

    @Test
    void loginWhenOriginHeaderDiffersFromSignedOriginThenRefused() throws Exception {
        Tokens password = withPasskey();
        String credential = assertion(password.access(), key, ORIGIN);

        Answer answer = postFrom("http://localhost:9999", "/api/webauthn/login", password.access(),
                assertionBody(credential));

        assertRefused(answer, WebAuthnRefusal.ORIGIN_NOT_ALLOWED);
    }

    @Test
    void registerWhenOriginNotAllowedThenRefusedAndNothingStored() throws Exception {
        Tokens password = login();
        Answer options = postFrom(ORIGIN, "/api/webauthn/register/options", password.access(), null);
        String credential = key.register(options.text("challenge"), "localhost", "https://evil.example");

        Answer answer = postFrom("https://evil.example", "/api/webauthn/register", password.access(),
                registration(credential, null));

        assertRefused(answer, WebAuthnRefusal.ORIGIN_NOT_ALLOWED);
        assertThat(count("select count(*) from otpgate_webauthn_device where account_id = ?", user.id())).isZero();
    }

    @Test
    void loginWhenCounterWentBackwardsThenRefused() throws Exception {
        Tokens password = withPasskey();
        assertThat(passkeyLogin(password.access(), assertion(password.access(), key, ORIGIN)).status())
                .isEqualTo(200);
        // A clone of the key, which signs with the counter it had before the last use.
        key.signCount -= 2;
        Map<String, Object> before = passkeyState();

        Answer cloned = passkeyLogin(password.access(), assertion(password.access(), key, ORIGIN));

        assertRefused(cloned, WebAuthnRefusal.COUNTER_NOT_INCREASED);
        assertThat(passkeyState()).isEqualTo(before);
    }

    @Test
    void loginWhenSecondFactorLockedThenTooManyRequestsWithRetryAfter() throws Exception {
        Tokens password = withPasskey();
        String credential = assertion(password.access(), key, ORIGIN);
        jdbc.sql("update otpgate_account set locked_at = ? where id = ?")
                .params(java.sql.Timestamp.from(clock.instant()), user.id()).update();

        Answer locked = passkeyLogin(password.access(), credential);

        assertRefused(locked, WebAuthnRefusal.LOCKED);
        assertThat(Long.parseLong(locked.header("Retry-After"))).isEqualTo(Duration.ofHours(24).toSeconds());
    }

    @Test
    void loginOptionsWhenUserHasNoPasskeyThenBadRequest() throws Exception {
        Tokens password = login();

        assertProblem(postFrom(ORIGIN, "/api/webauthn/login/options", password.access(), null), 400,
                "This user has not registered a passkey");
    }

    @Test
    void registerWhenPasswordOnlyTokenOfUserWithTotpThenForbiddenAndNothingIssued() throws Exception {
        Enrolled enrolled = enrol();
        String access = enrolled.passwordOnly().access();

        assertProblem(postFrom(ORIGIN, "/api/webauthn/register/options", access, null), 403,
                SECOND_FACTOR_MISSING);
        assertProblem(postFrom(ORIGIN, "/api/webauthn/register", access, registration(
                key.register("AAAA", "localhost", ORIGIN), null)), 403, SECOND_FACTOR_MISSING);
        assertThat(count("select count(*) from otpgate_webauthn_challenge where account_id = ?", user.id()))
                .isZero();
        assertThat(count("select count(*) from otpgate_webauthn_device where account_id = ?", user.id())).isZero();
    }

    @Test
    void registerWhenTokenProvedTotpThenCreated() throws Exception {
        Enrolled enrolled = enrol();

        assertThat(register(enrolled.verified().access(), key, "Key").status()).isEqualTo(201);
    }

    @Test
    void meWhenTokensPasskeyWasRemovedThenSecondFactorNoLongerProven() throws Exception {
        Enrolled enrolled = enrol();
        assertThat(register(enrolled.verified().access(), key, "Key").status()).isEqualTo(201);
        Tokens passkey = tokens(passkeyLogin(enrolled.passwordOnly().access(),
                assertion(enrolled.passwordOnly().access(), key, ORIGIN)));
        assertThat(get("/api/me", passkey.access()).status()).isEqualTo(200);
        long id = jdbc.sql("select id from otpgate_webauthn_device where account_id = ?").param(user.id())
                .query(Long.class).single();

        devices.remove(user.id(), new DeviceRef(io.otpgate.spring.device.DeviceKind.WEBAUTHN, id), null);

        assertProblem(get("/api/me", passkey.access()), 403, SECOND_FACTOR_MISSING);
        // The TOTP device's own pair is not affected.
        assertThat(get("/api/me", enrolled.verified().access()).status()).isEqualTo(200);
    }

    // Bad input: a 4xx, never a 5xx, and nothing changed

    @ParameterizedTest
    @ValueSource(strings = { "/api/webauthn/register/options", "/api/webauthn/register",
        "/api/webauthn/login/options", "/api/webauthn/login" })
    void endpointWhenNoTokenThenUnauthorized(String path) throws Exception {
        Answer answer = postFrom(ORIGIN, path, null, "{}");

        assertProblem(answer, 401, "Authentication credentials were not provided.");
        assertThat(answer.text("code")).isEqualTo("not_authenticated");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            /api/webauthn/login    | {}                                  | Request body `credential` should not be null
            /api/webauthn/login    | {"credential":null}                 | Request body `credential` should not be null
            /api/webauthn/login    | {"credential":"e30"}                | `credential` must be a JSON object
            /api/webauthn/login    | {"credential":[1]}                  | `credential` must be a JSON object
            /api/webauthn/login    | []                                  | request body must be a JSON object
            /api/webauthn/login    | {"credential":{}}                   | The passkey's answer could not be read.
            /api/webauthn/login    | {"credential":{"id":"AA","type":"public-key","response":{"clientDataJSON":"!!"}}} | The passkey's answer could not be read.
            /api/webauthn/register | {}                                  | Request body `credential` should not be null
            /api/webauthn/register | {"credential":{}}                   | The passkey's answer could not be read.
            /api/webauthn/register | {"credential":{},"name":7}          | `name` must be a string
            /api/webauthn/register | "text"                              | request body must be a JSON object
            /api/webauthn/register/options | [1]                         | request body must be a JSON object
            /api/webauthn/login/options    | 42                          | request body must be a JSON object
            """)
    void endpointWhenBodyMalformedThenBadRequestAndNothingChanged(String path, String body, String message)
            throws Exception {
        Tokens password = withPasskey();
        // A pair that proved the passkey: it may also add another.
        Tokens verified = tokens(passkeyLogin(password.access(), assertion(password.access(), key, ORIGIN)));
        Map<String, Object> before = passkeyState();

        assertProblem(postFrom(ORIGIN, path, verified.access(), body), 400, message);
        assertThat(passkeyState()).isEqualTo(before);
    }

    @Test
    void registerWhenNameTooLongThenBadRequest() throws Exception {
        Tokens password = login();

        Answer answer = register(password.access(), key, "n".repeat(65));

        assertProblem(answer, 400, "`name` must be at most 64 characters");
        assertThat(count("select count(*) from otpgate_webauthn_device where account_id = ?", user.id())).isZero();
    }

    @Test
    void apiDocsWhenFetchedThenDescribeThePasskeyEndpoints() throws Exception {
        Answer docs = get("/v3/api-docs", null);

        assertThat(docs.status()).isEqualTo(200);
        assertThat(docs.json().get("paths").propertyNames()).contains("/api/webauthn/register/options",
                "/api/webauthn/register", "/api/webauthn/login/options", "/api/webauthn/login");
        assertThat(List.copyOf(docs.json().get("paths").get("/api/webauthn/login").propertyNames()))
                .containsExactly("post");
    }
}
