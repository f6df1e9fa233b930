package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

import io.otpgate.server.user.User;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /api/token}, {@code /api/token/refresh}, {@code /api/token/blacklist}, {@code GET /.well-known/jwks.json}
 * and the throttling of password logins (per username: 3 free failures, then 1 s doubling up to 5 min).
 */
class TokenEndpointsTest extends ApiTestBase {

    private static final String REFUSED = "No active account found with the given credentials";
    private static final String INVALID = "Token is invalid or expired";

    // POST /api/token

    @Test
    void obtainWhenPasswordCorrectThenPasswordOnlyPair() throws Exception {
        Answer answer = post("/api/token", null, json("username", user.username(), "password", PASSWORD));

        Tokens tokens = tokens(answer);
        assertThat(answer.header("Cache-Control")).contains("no-store");
        var access = payload(tokens.access());
        assertThat(access.get("token_type").stringValue()).isEqualTo("access");
        assertThat(access.get("user_id").longValue()).isEqualTo(user.id());
        assertThat(access.get("amr").toString()).isEqualTo("[\"pwd\"]");
        assertThat(access.get("otp_device_id")).isNull();
        assertThat(access.get("auth_time").longValue()).isEqualTo(clock.instant().getEpochSecond());
        assertThat(access.get("exp").longValue() - access.get("iat").longValue()).isEqualTo(300);
        var refresh = payload(tokens.refresh());
        assertThat(refresh.get("token_type").stringValue()).isEqualTo("refresh");
        assertThat(refresh.get("jti").stringValue()).isNotEqualTo(access.get("jti").stringValue());
        assertThat(get("/api/totp/status", tokens.access()).status()).isEqualTo(200);
        assertThat(events("LOGIN_SUCCEEDED")).isEqualTo(1);
    }

    @Test
    void obtainWhenPasswordWrongThenUnauthorizedWithGenericMessage() throws Exception {
        Answer answer = post("/api/token", null, json("username", user.username(), "password", "wrong password"));

        assertProblem(answer, 401, REFUSED);
        assertThat(answer.text("code")).isEqualTo("no_active_account");
        assertThat(answer.json().get("access")).isNull();
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'LOGIN_FAILED' "
                + "and detail = 'wrong password'", user.id())).isEqualTo(1);
    }

    /** JSON can carry a lone UTF-16 surrogate, which no UTF-8 encoder takes: a wrong password, not a 500. */
    @Test
    void obtainWhenPasswordHasLoneSurrogateThenSameAnswerAsWrongPassword() throws Exception {
        Answer known = post("/api/token", null,
                "{\"username\": \"" + user.username() + "\", \"password\": \"correct horse\\ud800battery\"}");
        Answer unknown = post("/api/token", null,
                "{\"username\": \"nobody-" + user.username() + "\", \"password\": \"correct\\udc00horse battery\"}");

        assertProblem(known, 401, REFUSED);
        assertProblem(unknown, 401, REFUSED);
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'LOGIN_FAILED' "
                + "and detail = 'wrong password'", user.id())).isEqualTo(1);
    }

    @Test
    void obtainWhenUserUnknownThenSameAnswerAsWrongPassword() throws Exception {
        Answer unknown = post("/api/token", null, json("username", "nobody-" + user.username(), "password", PASSWORD));
        Answer wrong = post("/api/token", null, json("username", user.username(), "password", "wrong password"));

        assertProblem(unknown, 401, REFUSED);
        assertThat(withoutInstance(unknown)).isEqualTo(withoutInstance(wrong));
    }

    @Test
    void obtainWhenUserInactiveThenSameAnswerAsWrongPassword() throws Exception {
        jdbc.sql("update auth_user set is_active = false where id = ?").param(user.id()).update();

        Answer answer = post("/api/token", null, json("username", user.username(), "password", PASSWORD));

        assertProblem(answer, 401, REFUSED);
        assertThat(answer.text("code")).isEqualTo("no_active_account");
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'LOGIN_FAILED' "
                + "and detail = 'inactive user'", user.id())).isEqualTo(1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {}                                    | Request body `username` should not be null
            {"username":"someone"}                | Request body `password` should not be null
            {"username":"","password":"x"}        | Request body `username` should not be null
            {"username":"someone","password":""}  | Request body `password` should not be null
            {"username":5,"password":"x"}         | `username` must be a string
            [1,2]                                 | request body must be a JSON object
            {"username":                          | request body must be valid JSON
            """)
    void obtainWhenBodyMalformedThenBadRequest(String body, String message) throws Exception {
        assertProblem(post("/api/token", null, body), 400, message);
    }

    @Test
    void obtainWhenUsernameTooLongThenBadRequest() throws Exception {
        assertProblem(post("/api/token", null, json("username", "u".repeat(151), "password", PASSWORD)), 400,
                "`username` must be at most 150 characters");
    }

    @Test
    void obtainWhenBodyNotJsonThenUnsupportedMediaType() throws Exception {
        Answer answer = call(MockMvcRequestBuilders.post("/api/token").contentType(MediaType.TEXT_PLAIN)
                .content("username=a&password=b"), null, null);

        assertProblem(answer, 415, "request body must be application/json");
    }

    @Test
    void obtainWhenBodyLargerThanLimitThenContentTooLarge() throws Exception {
        Answer answer = post("/api/token", null, json("username", user.username(), "password", "p".repeat(70_000)));

        assertProblem(answer, 413, "request body must be at most 65536 bytes");
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'LOGIN_FAILED'",
                user.id())).as("the password was not checked").isZero();
    }

    @Test
    void obtainWhenGetThenMethodNotAllowed() throws Exception {
        Answer answer = get("/api/token", null);

        assertProblem(answer, 405, "Method \"GET\" not allowed.");
        assertThat(answer.header("Allow")).contains("POST");
    }

    @Test
    void obtainWhenStaleBearerSentThenIgnored() throws Exception {
        Answer answer = post("/api/token", "not-a-token", json("username", user.username(), "password", PASSWORD));

        assertThat(answer.status()).isEqualTo(200);
    }

    // POST /api/token/refresh

    @Test
    void refreshWhenValidThenRotatedPairWithSameClaims() throws Exception {
        Enrolled enrolled = enrol();
        var before = payload(enrolled.verified().access());
        clock.advance(Duration.ofMinutes(1));

        Answer answer = post("/api/token/refresh", null, json("refresh", enrolled.verified().refresh()));

        Tokens refreshed = tokens(answer);
        assertThat(answer.header("Cache-Control")).contains("no-store");
        var after = payload(refreshed.access());
        assertThat(after.get("otp_device_id").stringValue()).isEqualTo(before.get("otp_device_id").stringValue())
                .startsWith("totp/");
        assertThat(after.get("amr").toString()).isEqualTo("[\"pwd\",\"otp\",\"mfa\"]");
        assertThat(after.get("auth_time").longValue()).isEqualTo(before.get("auth_time").longValue());
        assertThat(after.get("iat").longValue()).isEqualTo(before.get("iat").longValue() + 60);
        assertThat(after.get("user_id").longValue()).isEqualTo(user.id());
        var refreshClaims = payload(refreshed.refresh());
        assertThat(refreshClaims.get("otp_device_id").stringValue()).isEqualTo(before.get("otp_device_id")
                .stringValue());
        assertThat(refreshed.refresh()).isNotEqualTo(enrolled.verified().refresh());
        assertThat(get("/api/me", refreshed.access()).status()).as("still OTP-verified").isEqualTo(200);
    }

    @Test
    void refreshWhenPasswordOnlyThenStillPasswordOnly() throws Exception {
        Tokens tokens = login();

        Tokens refreshed = tokens(post("/api/token/refresh", null, json("refresh", tokens.refresh())));

        assertThat(payload(refreshed.access()).get("otp_device_id")).isNull();
        assertThat(payload(refreshed.access()).get("amr").toString()).isEqualTo("[\"pwd\"]");
    }

    @Test
    void refreshWhenRefreshTokenReusedThenRefusedAndFamilyRevoked() throws Exception {
        Tokens first = login();
        Tokens otherSession = login();
        Tokens second = tokens(post("/api/token/refresh", null, json("refresh", first.refresh())));

        Answer replay = post("/api/token/refresh", null, json("refresh", first.refresh()));

        assertProblem(replay, 401, INVALID);
        assertThat(replay.text("code")).isEqualTo("token_not_valid");
        assertProblem(post("/api/token/refresh", null, json("refresh", second.refresh())), 401, INVALID);
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'REFRESH_TOKEN_REPLAYED' "
                + "and detail = 'session revoked'", user.id())).isEqualTo(1);
        assertThat(post("/api/token/refresh", null, json("refresh", otherSession.refresh())).status())
                .as("another session is not touched").isEqualTo(200);
    }

    @Test
    void refreshWhenAccessTokenGivenThenUnauthorized() throws Exception {
        Tokens tokens = login();

        assertProblem(post("/api/token/refresh", null, json("refresh", tokens.access())), 401, INVALID);
    }

    @Test
    void refreshWhenTokenExpiredThenUnauthorized() throws Exception {
        Tokens tokens = login();
        clock.advance(Duration.ofDays(1).plusSeconds(1));

        assertProblem(post("/api/token/refresh", null, json("refresh", tokens.refresh())), 401, INVALID);
    }

    @Test
    void refreshWhenPayloadTamperedThenUnauthorized() throws Exception {
        User other = newUser();
        Tokens tokens = login();

        String forged = withClaim(tokens.refresh(), "user_id", other.id());

        assertProblem(post("/api/token/refresh", null, json("refresh", forged)), 401, INVALID);
    }

    @Test
    void refreshWhenUnsignedThenUnauthorized() throws Exception {
        Tokens tokens = login();

        assertProblem(post("/api/token/refresh", null, json("refresh", unsigned(tokens.refresh()))), 401, INVALID);
    }

    @Test
    void refreshWhenGarbageThenUnauthorized() throws Exception {
        assertProblem(post("/api/token/refresh", null, json("refresh", "garbage")), 401, INVALID);
    }

    @Test
    void refreshWhenFieldMissingThenBadRequest() throws Exception {
        assertProblem(post("/api/token/refresh", null, "{}"), 400, "Request body `refresh` should not be null");
    }

    @Test
    void refreshWhenUserInactiveThenUnauthorized() throws Exception {
        Tokens tokens = login();
        jdbc.sql("update auth_user set is_active = false where id = ?").param(user.id()).update();

        assertProblem(post("/api/token/refresh", null, json("refresh", tokens.refresh())), 401, INVALID);
    }

    @Test
    void refreshWhenStaleBearerSentThenIgnored() throws Exception {
        Tokens tokens = login();
        clock.advance(Duration.ofMinutes(10));

        Answer answer = post("/api/token/refresh", tokens.access(), json("refresh", tokens.refresh()));

        assertThat(answer.status()).as("the expired access token in the header does not matter").isEqualTo(200);
    }

    // POST /api/token/blacklist

    @Test
    void blacklistWhenValidThenOkAndRefreshTokenDead() throws Exception {
        Tokens tokens = login();

        Answer answer = post("/api/token/blacklist", null, json("refresh", tokens.refresh()));

        assertThat(answer.status()).isEqualTo(200);
        assertProblem(post("/api/token/refresh", null, json("refresh", tokens.refresh())), 401, INVALID);
        assertProblem(post("/api/token/blacklist", null, json("refresh", tokens.refresh())), 401, INVALID);
        assertThat(events("LOGGED_OUT")).isEqualTo(1);
    }

    @Test
    void blacklistWhenTokenAlreadySpentThenFamilyRevoked() throws Exception {
        Tokens first = login();
        Tokens second = tokens(post("/api/token/refresh", null, json("refresh", first.refresh())));

        assertThat(post("/api/token/blacklist", null, json("refresh", first.refresh())).status()).isEqualTo(200);

        assertProblem(post("/api/token/refresh", null, json("refresh", second.refresh())), 401, INVALID);
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'REFRESH_TOKEN_REPLAYED' "
                + "and detail = 'session revoked'", user.id())).isEqualTo(1);
    }

    @Test
    void blacklistWhenAccessTokenGivenThenUnauthorized() throws Exception {
        Tokens tokens = login();

        assertProblem(post("/api/token/blacklist", null, json("refresh", tokens.access())), 401, INVALID);
        assertThat(post("/api/token/refresh", null, json("refresh", tokens.refresh())).status()).isEqualTo(200);
    }

    @Test
    void blacklistWhenGarbageThenUnauthorized() throws Exception {
        Answer answer = post("/api/token/blacklist", null, json("refresh", "garbage"));

        assertProblem(answer, 401, INVALID);
        assertThat(answer.text("code")).isEqualTo("token_not_valid");
    }

    @Test
    void blacklistWhenFieldMissingThenBadRequest() throws Exception {
        assertProblem(post("/api/token/blacklist", null, null), 400, "Request body `refresh` should not be null");
    }

    // GET /.well-known/jwks.json

    @Test
    void jwksWhenHs256ThenEmptyKeySetWithoutToken() throws Exception {
        Answer answer = get("/.well-known/jwks.json", null);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(MediaType.parseMediaType(answer.response().getContentType())
                .isCompatibleWith(MediaType.APPLICATION_JSON)).isTrue();
        assertThat(answer.json().get("keys").isArray()).isTrue();
        assertThat(answer.json().get("keys").size()).as("an HS256 key is never published").isZero();
    }

    // Access tokens at the door

    @Test
    void accessWhenUserInactiveThenUnauthorized() throws Exception {
        Tokens tokens = login();
        jdbc.sql("update auth_user set is_active = false where id = ?").param(user.id()).update();

        Answer answer = get("/api/totp/status", tokens.access());

        assertProblem(answer, 401, "User is inactive");
        assertThat(answer.text("code")).isEqualTo("user_inactive");
    }

    @Test
    void accessWhenUserDeletedThenUnauthorized() throws Exception {
        Tokens tokens = login();
        jdbc.sql("delete from auth_user where id = ?").param(user.id()).update();

        Answer answer = get("/api/totp/status", tokens.access());

        assertProblem(answer, 401, "User not found");
        assertThat(answer.text("code")).isEqualTo("user_not_found");
    }

    @Test
    void accessWhenExpiredThenUnauthorized() throws Exception {
        Tokens tokens = login();
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));

        Answer answer = get("/api/totp/status", tokens.access());

        assertProblem(answer, 401, "Given token not valid for any token type");
        assertThat(answer.text("code")).isEqualTo("token_not_valid");
        assertThat(answer.header("WWW-Authenticate")).startsWith("Bearer").contains("invalid_token");
    }

    @Test
    void accessWhenRefreshTokenUsedAsBearerThenUnauthorized() throws Exception {
        Tokens tokens = login();

        assertProblem(get("/api/totp/status", tokens.refresh()), 401, "Given token not valid for any token type");
    }

    @Test
    void accessWhenTamperedOrUnsignedThenUnauthorized() throws Exception {
        User other = newUser();
        Tokens tokens = login();

        assertProblem(get("/api/totp/status", withClaim(tokens.access(), "user_id", other.id())), 401,
                "Given token not valid for any token type");
        assertProblem(get("/api/totp/status", unsigned(tokens.access())), 401,
                "Given token not valid for any token type");
    }

    // Login throttling

    @Test
    void loginWhenFourthFailureThenNextAttemptWaitsEvenWithCorrectPassword() throws Exception {
        for (int i = 1; i <= 4; i++) {
            assertThat(wrongLogin(user.username()).status()).as("failure %d is checked", i).isEqualTo(401);
        }

        Answer throttled = post("/api/token", null, json("username", user.username(), "password", PASSWORD));

        assertProblem(throttled, 429, "Too many failed logins: try again in 1 s");
        assertThat(throttled.header("Retry-After")).isEqualTo("1");
        assertThat(throttled.json().get("access")).isNull();
        assertThat(events("LOGIN_FAILED")).as("the password was not checked").isEqualTo(4);
        assertThat(events("LOGIN_SUCCEEDED")).isZero();
    }

    @Test
    void loginWhenThreeFailuresThenFourthAttemptStillChecked() throws Exception {
        for (int i = 1; i <= 3; i++) {
            assertThat(wrongLogin(user.username()).status()).isEqualTo(401);
        }

        assertThat(login().access()).isNotEmpty();
    }

    @Test
    void loginWhenWaitOverThenPasswordCheckedAgainAndCountCleared() throws Exception {
        for (int i = 1; i <= 4; i++) {
            wrongLogin(user.username());
        }
        clock.advance(Duration.ofSeconds(1));

        assertThat(login().access()).isNotEmpty();
        assertThat(wrongLogin(user.username()).status()).as("a success clears the count").isEqualTo(401);
        assertThat(login().access()).isNotEmpty();
    }

    @Test
    void loginWhenFailuresContinueThenWaitDoubles() throws Exception {
        for (int i = 1; i <= 4; i++) {
            wrongLogin(user.username());
        }
        clock.advance(Duration.ofSeconds(1));
        assertThat(wrongLogin(user.username()).status()).isEqualTo(401);

        clock.advance(Duration.ofSeconds(1));
        Answer halfway = wrongLogin(user.username());
        assertThat(halfway.status()).isEqualTo(429);
        assertThat(halfway.header("Retry-After")).isEqualTo("1");

        clock.advance(Duration.ofSeconds(1));
        assertThat(wrongLogin(user.username()).status()).isEqualTo(401);
        Answer next = wrongLogin(user.username());
        assertThat(next.status()).isEqualTo(429);
        assertThat(next.header("Retry-After")).isEqualTo("4");
    }

    @Test
    void loginWhenManyFailuresThenWaitCappedAtFiveMinutes() throws Exception {
        for (int i = 1; i <= 4; i++) {
            wrongLogin(user.username());
        }
        for (int i = 5; i <= 14; i++) {
            clock.advance(Duration.ofMinutes(5));
            assertThat(wrongLogin(user.username()).status()).as("failure %d", i).isEqualTo(401);
        }

        Answer throttled = post("/api/token", null, json("username", user.username(), "password", PASSWORD));

        assertThat(throttled.status()).isEqualTo(429);
        assertThat(throttled.header("Retry-After")).isEqualTo("300");
        clock.advance(Duration.ofMinutes(5));
        assertThat(login().access()).isNotEmpty();
    }

    @Test
    void loginWhenUsernameThrottledThenAnotherUsernameNotSlowed() throws Exception {
        User other = newUser();
        for (int i = 1; i <= 5; i++) {
            wrongLogin(user.username());
        }
        assertThat(wrongLogin(user.username()).status()).isEqualTo(429);

        assertThat(login(other.username()).access()).isNotEmpty();
    }

    @Test
    void loginWhenUnknownUsernameFailsRepeatedlyThenThrottledLikeAKnownOne() throws Exception {
        String unknown = "ghost-" + user.username();
        for (int i = 1; i <= 4; i++) {
            assertThat(wrongLogin(unknown).status()).isEqualTo(401);
        }

        Answer throttled = wrongLogin(unknown);

        assertThat(throttled.status()).isEqualTo(429);
        assertThat(throttled.header("Retry-After")).isEqualTo("1");
    }

    // helpers

    private Answer wrongLogin(String username) throws Exception {
        return post("/api/token", null, json("username", username, "password", "wrong password"));
    }

    private long events(String kind) {
        return count("select count(*) from otpgate_security_event where account_id = ? and kind = ?", user.id(), kind);
    }

    private static ObjectNode withoutInstance(Answer answer) {
        ObjectNode copy = ((ObjectNode) answer.json()).deepCopy();
        copy.remove("instance");
        return copy;
    }

    /** The token with one claim changed and its old signature kept. */
    private static String withClaim(String jwt, String claim, long value) {
        String[] parts = jwt.split("\\.");
        ObjectNode claims = (ObjectNode) payload(jwt);
        claims.put(claim, value);
        return parts[0] + "." + base64(JSON.writeValueAsString(claims)) + "." + parts[2];
    }

    /** The token's claims under {@code alg: none}, without a signature. */
    private static String unsigned(String jwt) {
        return base64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + jwt.split("\\.")[1] + ".";
    }

    private static String base64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertProblem(Answer answer, int status, String message) {
        assertThat(answer.status()).as("answer %s", answer.json()).isEqualTo(status);
        assertThat(answer.response().getContentType()).startsWith(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        assertThat(answer.text("detail")).isEqualTo(message);
        assertThat(answer.text("message")).isEqualTo(message);
        assertThat(answer.json().get("errors").toString()).isEqualTo(JSON.writeValueAsString(List.of(message)));
        assertThat(answer.header("Cache-Control")).as("Cache-Control").contains("no-store");
    }
}
