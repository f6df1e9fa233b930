package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

import tools.jackson.databind.JsonNode;

/**
 * Seed 004's recovery codes: {@code GET|POST /api/totp/recovery_code/create} (OTP-verified) and
 * {@code POST /api/totp/recovery_code/login}.
 */
class RecoveryCodeEndpointsTest extends ApiTestBase {

    private static final String WRONG_CODE = "Invalid 2FA recovery Token.";
    private static final String SECOND_FACTOR_MISSING =
            "You do not have permission to perform this action until you verify your MFA device.";

    @ParameterizedTest
    @CsvSource(textBlock = """
            GET,  /api/totp/recovery_code/create
            POST, /api/totp/recovery_code/create
            POST, /api/totp/recovery_code/login
            """)
    void endpointWhenNoTokenThenUnauthorized(String method, String path) throws Exception {
        Answer answer = call(MockMvcRequestBuilders.request(HttpMethod.valueOf(method), path), null,
                path.endsWith("login") ? json("token", "abcd-efgh-ijkl-mnop") : null);

        assertProblem(answer, 401, "Authentication credentials were not provided.");
        assertThat(answer.text("code")).isEqualTo("not_authenticated");
    }

    @ParameterizedTest
    @CsvSource(textBlock = """
            GET,  /api/totp/recovery_code/create
            POST, /api/totp/recovery_code/login
            """)
    void endpointWhenInvalidTokenThenUnauthorized(String method, String path) throws Exception {
        Answer answer = call(MockMvcRequestBuilders.request(HttpMethod.valueOf(method), path), "garbage",
                path.endsWith("login") ? json("token", "abcd-efgh-ijkl-mnop") : null);

        assertProblem(answer, 401, "Given token not valid for any token type");
        assertThat(answer.text("code")).isEqualTo("token_not_valid");
    }

    // GET|POST /api/totp/recovery_code/create

    @ParameterizedTest
    @ValueSource(strings = { "GET", "POST" })
    void createWhenOtpVerifiedThenFiveNewCodesReplaceTheOldOnes(String method) throws Exception {
        Enrolled enrolled = enrol();

        Answer answer = call(MockMvcRequestBuilders.request(HttpMethod.valueOf(method),
                "/api/totp/recovery_code/create"), enrolled.verified().access(), null);

        assertThat(answer.status()).as("answer %s", answer.json()).isEqualTo(201);
        assertThat(answer.header("Cache-Control")).as("the answer holds codes").contains("no-store");
        List<String> codes = codes(answer);
        assertThat(codes).hasSize(5).doesNotHaveDuplicates().doesNotContainAnyElementsOf(
                enrolled.setup().recoveryCodes());
        assertThat(count("select count(*) from otpgate_static_token t join otpgate_static_device d on d.id = t.device_id "
                + "where d.account_id = ?", user.id())).isEqualTo(5);
        for (String old : enrolled.setup().recoveryCodes()) {
            clock.advance(Duration.ofMinutes(1));
            assertProblem(post("/api/totp/recovery_code/login", login().access(), json("token", old)), 400,
                    WRONG_CODE);
        }
        clock.advance(Duration.ofMinutes(1));
        assertThat(post("/api/totp/recovery_code/login", login().access(), json("token", codes.get(0))).status())
                .isEqualTo(200);
        assertThat(events("RECOVERY_CODES_ISSUED")).isEqualTo(2);
    }

    @Test
    void createWhenPasswordOnlyTokenAndConfirmedDeviceThenForbidden() throws Exception {
        Enrolled enrolled = enrol();

        Answer answer = get("/api/totp/recovery_code/create", enrolled.passwordOnly().access());

        assertProblem(answer, 403, SECOND_FACTOR_MISSING);
        assertProblem(post("/api/totp/recovery_code/create", enrolled.passwordOnly().access(), null), 403,
                SECOND_FACTOR_MISSING);
        assertThat(post("/api/totp/recovery_code/login", enrolled.passwordOnly().access(),
                json("token", enrolled.setup().recoveryCodes().get(0))).status())
                .as("the codes were not replaced").isEqualTo(200);
    }

    @Test
    void createWhenRecoveryCodeTokenThenAllowedAndEverySessionEnds() throws Exception {
        Enrolled enrolled = enrol();
        Tokens recovered = tokens(post("/api/totp/recovery_code/login", login().access(),
                json("token", enrolled.setup().recoveryCodes().get(0))));

        Answer answer = post("/api/totp/recovery_code/create", recovered.access(), null);

        assertThat(answer.status()).isEqualTo(201);
        assertThat(get("/api/me", recovered.access()).status())
                .as("new codes end every session, the one that asked for them included").isEqualTo(401);
        assertThat(get("/api/me", enrolled.verified().access()).status()).isEqualTo(401);
        assertThat(post("/api/totp/recovery_code/login", login().access(), json("token", codes(answer).get(0)))
                .status()).as("a new code opens a new session").isEqualTo(200);
    }

    @Test
    void createWhenNoDeviceThenCodesWaitForTotpConfirmation() throws Exception {
        Tokens password = login();

        Answer answer = post("/api/totp/recovery_code/create", password.access(), null);

        assertThat(answer.status()).isEqualTo(201);
        assertThat(codes(answer)).hasSize(5);
        assertProblem(post("/api/totp/recovery_code/login", password.access(), json("token", codes(answer).get(0))),
                400, WRONG_CODE);
        assertThat(get("/api/me", password.access()).status()).as("codes alone switch nothing on").isEqualTo(200);
        assertThat(get("/api/totp/status", password.access()).json().get("isOtpEnabled").booleanValue()).isFalse();
    }

    // POST /api/totp/recovery_code/login

    @Test
    void loginWhenCodeCorrectThenTokensNameRecoveryDevice() throws Exception {
        Enrolled enrolled = enrol();
        long deviceId = count("select id from otpgate_static_device where account_id = ?", user.id());
        Tokens password = login();

        Answer answer = post("/api/totp/recovery_code/login", password.access(),
                json("token", enrolled.setup().recoveryCodes().get(2)));

        Tokens recovered = tokens(answer);
        assertThat(answer.header("Cache-Control")).contains("no-store");
        for (String jwt : List.of(recovered.access(), recovered.refresh())) {
            assertThat(payload(jwt).get("otp_device_id").stringValue()).isEqualTo("static/" + deviceId);
            assertThat(payload(jwt).get("amr").toString()).as("not a TOTP login: RFC 8176 has no value for it")
                    .isEqualTo("[\"pwd\",\"recovery\",\"mfa\"]");
            assertThat(payload(jwt).get("auth_time").longValue())
                    .isEqualTo(payload(password.access()).get("auth_time").longValue());
        }
        assertThat(get("/api/me", recovered.access()).status()).isEqualTo(200);
        assertThat(count("select count(*) from otpgate_static_token where device_id = ?", deviceId)).isEqualTo(4);
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'OTP_VERIFIED' "
                + "and device = ?", user.id(), "static/" + deviceId)).isEqualTo(1);
    }

    @Test
    void loginWhenCodeUsedThenRefused() throws Exception {
        Enrolled enrolled = enrol();
        String code = enrolled.setup().recoveryCodes().get(0);
        assertThat(post("/api/totp/recovery_code/login", login().access(), json("token", code)).status())
                .isEqualTo(200);

        Answer again = post("/api/totp/recovery_code/login", login().access(), json("token", code));

        assertProblem(again, 400, WRONG_CODE);
        assertThat(again.json().get("access")).isNull();
    }

    @Test
    void loginWhenEachCodeUsedOnceThenAllWorkAndNoneAgain() throws Exception {
        Enrolled enrolled = enrol();
        Tokens password = login();

        for (String code : enrolled.setup().recoveryCodes()) {
            assertThat(post("/api/totp/recovery_code/login", password.access(), json("token", code)).status())
                    .isEqualTo(200);
        }

        assertThat(count("select count(*) from otpgate_static_token t join otpgate_static_device d on d.id = t.device_id "
                + "where d.account_id = ?", user.id())).isZero();
        assertProblem(post("/api/totp/recovery_code/login", password.access(),
                json("token", enrolled.setup().recoveryCodes().get(4))), 400, WRONG_CODE);
    }

    @Test
    void loginWhenCodeWrongThenBadRequest() throws Exception {
        enrol();

        Answer answer = post("/api/totp/recovery_code/login", login().access(), json("token", "aaaa-bbbb-cccc-dddd"));

        assertProblem(answer, 400, WRONG_CODE);
        assertThat(events("OTP_FAILED")).isEqualTo(1);
    }

    @Test
    void loginWhenTotpCodeGivenThenRefused() throws Exception {
        Enrolled enrolled = enrol();
        nextStep();

        assertProblem(post("/api/totp/recovery_code/login", login().access(),
                json("token", code(enrolled.setup().secret()))), 400, WRONG_CODE);
    }

    @Test
    void loginWhenNoDeviceThenBadRequest() throws Exception {
        assertProblem(post("/api/totp/recovery_code/login", login().access(), json("token", "aaaa-bbbb-cccc-dddd")),
                400, WRONG_CODE);
    }

    @Test
    void loginWhenSetupPendingThenCodesNotValidAndSetupNotConfirmed() throws Exception {
        Tokens password = login();
        Setup setup = createTotp(password.access());

        Answer answer = post("/api/totp/recovery_code/login", password.access(),
                json("token", setup.recoveryCodes().get(0)));

        assertProblem(answer, 400, WRONG_CODE);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ? and confirmed = true", user.id()))
                .isZero();
        Tokens verified = tokens(post("/api/totp/login", password.access(), json("token", code(setup.secret()))));
        assertThat(get("/api/me", verified.access()).status()).isEqualTo(200);
        assertThat(post("/api/totp/recovery_code/login", password.access(),
                json("token", setup.recoveryCodes().get(0))).status())
                .as("valid once the setup is confirmed").isEqualTo(200);
    }

    @Test
    void loginWhenSecondSetupConfirmedThenOnlyItsCodesWork() throws Exception {
        Enrolled enrolled = enrol();
        Setup second = createTotp(enrolled.verified().access());
        tokens(post("/api/totp/login", enrolled.verified().access(), json("token", code(second.secret()))));

        assertProblem(post("/api/totp/recovery_code/login", login().access(),
                json("token", enrolled.setup().recoveryCodes().get(0))), 400, WRONG_CODE);
        clock.advance(Duration.ofSeconds(1));
        assertThat(post("/api/totp/recovery_code/login", login().access(),
                json("token", second.recoveryCodes().get(0))).status()).isEqualTo(200);
    }

    @Test
    void loginWhenTokenFieldMissingThenBadRequest() throws Exception {
        enrol();

        assertProblem(post("/api/totp/recovery_code/login", login().access(), "{}"), 400,
                "Request body `token` should not be null");
    }

    @ParameterizedTest
    @ValueSource(strings = { "abcd_efgh", "abcd;drop", "ünïcode", "   " })
    void loginWhenCodeMalformedThenBadRequest(String typed) throws Exception {
        enrol();

        Answer answer = post("/api/totp/recovery_code/login", login().access(), json("token", typed));

        assertThat(answer.status()).isEqualTo(400);
        assertThat(events("OTP_FAILED")).as("not counted as an attempt").isZero();
    }

    @Test
    void loginWhenCodeRightAfterWrongOneThenThrottledUntilDelayPassed() throws Exception {
        Enrolled enrolled = enrol();
        Tokens password = login();
        assertThat(post("/api/totp/recovery_code/login", password.access(), json("token", "aaaa-bbbb-cccc-dddd"))
                .status()).isEqualTo(400);

        Answer throttled = post("/api/totp/recovery_code/login", password.access(),
                json("token", enrolled.setup().recoveryCodes().get(0)));

        assertProblem(throttled, 429, "Too many failed attempts: try again in 1 s");
        assertThat(throttled.header("Retry-After")).isEqualTo("1");
        assertThat(events("OTP_THROTTLED")).isEqualTo(1);
        assertThat(count("select count(*) from otpgate_static_token t join otpgate_static_device d on d.id = t.device_id "
                + "where d.account_id = ?", user.id())).as("the code was not spent").isEqualTo(5);
        clock.advance(Duration.ofSeconds(1));
        assertThat(post("/api/totp/recovery_code/login", password.access(),
                json("token", enrolled.setup().recoveryCodes().get(0))).status()).isEqualTo(200);
    }

    // helpers

    private static List<String> codes(Answer answer) {
        assertThat(answer.json().isArray()).as("answer %s", answer.json()).isTrue();
        return answer.json().valueStream().map(JsonNode::stringValue).toList();
    }

    private long events(String kind) {
        return count("select count(*) from otpgate_security_event where account_id = ? and kind = ?", user.id(), kind);
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
