package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

import io.otpgate.core.Hotp;
import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.spring.hotp.HotpDeviceRepository;
import io.otpgate.spring.totp.TotpDeviceRepository;
import io.otpgate.server.token.TokenService;

/**
 * Seed 004's TOTP endpoints: {@code GET|POST /api/totp/create}, {@code DELETE /api/totp/rollback},
 * {@code POST /api/totp/login}, {@code DELETE /api/totp/delete} and {@code GET /api/totp/status}.
 */
class TotpEndpointsTest extends ApiTestBase {

    private static final String WRONG_CODE = "Invalid 2FA token, or invalid 2FA device.";
    private static final String NO_DEVICE = "This user has not setup two factor authentication";
    private static final String SECOND_FACTOR_MISSING =
            "You do not have permission to perform this action until you verify your MFA device.";

    @Autowired TokenService tokenService;
    @Autowired HotpDeviceRepository hotpDevices;
    @Autowired TotpDeviceRepository totpDevices;

    // Without a token

    @ParameterizedTest
    @CsvSource(textBlock = """
            GET,    /api/totp/create
            POST,   /api/totp/create
            DELETE, /api/totp/rollback
            POST,   /api/totp/login
            DELETE, /api/totp/delete
            GET,    /api/totp/status
            """)
    void endpointWhenNoTokenThenUnauthorized(String method, String path) throws Exception {
        Answer answer = call(MockMvcRequestBuilders.request(HttpMethod.valueOf(method), path), null,
                path.endsWith("login") ? json("token", "123456") : null);

        assertProblem(answer, 401, "Authentication credentials were not provided.");
        assertThat(answer.text("code")).isEqualTo("not_authenticated");
        assertThat(answer.header("WWW-Authenticate")).startsWith("Bearer");
    }

    @ParameterizedTest
    @CsvSource(textBlock = """
            GET,    /api/totp/create
            DELETE, /api/totp/rollback
            DELETE, /api/totp/delete
            GET,    /api/totp/status
            """)
    void endpointWhenInvalidTokenThenUnauthorized(String method, String path) throws Exception {
        Answer answer = call(MockMvcRequestBuilders.request(HttpMethod.valueOf(method), path), "not.a.token", null);

        assertProblem(answer, 401, "Given token not valid for any token type");
        assertThat(answer.text("code")).isEqualTo("token_not_valid");
    }

    @Test
    void endpointWhenMethodNotAllowedThenProblem() throws Exception {
        Tokens password = login();

        Answer answer = call(MockMvcRequestBuilders.put("/api/totp/create"), password.access(), null);

        assertProblem(answer, 405, "Method \"PUT\" not allowed.");
        assertThat(answer.header("Allow")).contains("GET").contains("POST");
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", user.id())).isZero();
    }

    // GET|POST /api/totp/create

    @ParameterizedTest
    @ValueSource(strings = { "GET", "POST" })
    void createWhenNoDeviceThenPendingDeviceAndFiveRecoveryCodes(String method) throws Exception {
        Tokens password = login();

        Answer created = call(MockMvcRequestBuilders.request(HttpMethod.valueOf(method), "/api/totp/create"),
                password.access(), null);

        assertThat(created.status()).as("answer %s", created.json()).isEqualTo(201);
        assertThat(created.header("Cache-Control")).as("the answer holds a secret").contains("no-store");
        assertThat(created.text("message")).isEqualTo("OTP device created successfully");
        OtpAuthUri uri = OtpAuthUri.parse(created.text("otpUrl"));
        assertThat(uri.type()).isEqualTo(OtpAuthUri.Type.TOTP);
        assertThat(uri.account()).isEqualTo(user.username());
        assertThat(uri.issuer()).isEqualTo("otpgate");
        assertThat(uri.digits()).isEqualTo(6);
        assertThat(uri.period()).isEqualTo(Duration.ofSeconds(30));
        List<String> codes = created.json().get("recoveryCodes").valueStream().map(n -> n.stringValue()).toList();
        assertThat(codes).hasSize(5).doesNotHaveDuplicates().allMatch(c -> !c.isBlank());
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ? and confirmed = false", user.id()))
                .isEqualTo(1);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ? and confirmed = true", user.id()))
                .isZero();
        assertThat(status(password.access())).isFalse();
        assertThat(profileOtpEnabled()).isFalse();
        assertThat(events("DEVICE_ADDED")).isEqualTo(1);
    }

    @Test
    void createWhenCalledTwiceThenNewSecretAndTheEarlierSetupWithItsCodesGone() throws Exception {
        Tokens password = login();
        Setup first = createTotp(password.access());

        Setup second = createTotp(password.access());

        assertThat(second.secret()).isNotEqualTo(first.secret());
        assertThat(second.recoveryCodes()).doesNotContainAnyElementsOf(first.recoveryCodes());
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", user.id())).isEqualTo(1);
        assertThat(count("select count(*) from otpgate_static_device where account_id = ?", user.id())).isEqualTo(1);
        assertThat(post("/api/totp/login", password.access(), json("token", code(first.secret()))).status())
                .as("the first secret confirms nothing").isEqualTo(400);
        clock.advance(Duration.ofSeconds(1));
        Tokens verified = tokens(post("/api/totp/login", password.access(), json("token", code(second.secret()))));
        for (String code : first.recoveryCodes()) {
            clock.advance(Duration.ofSeconds(10));
            assertThat(post("/api/totp/recovery_code/login", verified.access(), json("token", code)).status())
                    .as("a code of the earlier setup").isEqualTo(400);
        }
        clock.advance(Duration.ofSeconds(20));
        assertThat(post("/api/totp/recovery_code/login", password.access(),
                json("token", second.recoveryCodes().get(0))).status()).isEqualTo(200);
    }

    @Test
    void createWhenSomeoneWithThePasswordSetUpFirstThenTheirSecretNeverConfirms() throws Exception {
        Tokens attacker = login();
        Setup planted = createTotp(attacker.access());
        Tokens owner = login();

        Setup own = createTotp(owner.access());
        Tokens verified = tokens(post("/api/totp/login", owner.access(), json("token", code(own.secret()))));

        nextStep();
        assertThat(post("/api/totp/login", attacker.access(), json("token", code(planted.secret()))).status())
                .isEqualTo(400);
        clock.advance(Duration.ofSeconds(1));
        assertThat(post("/api/totp/recovery_code/login", attacker.access(),
                json("token", planted.recoveryCodes().get(0))).status()).isEqualTo(400);
        assertThat(get("/api/me", attacker.access()).status()).isEqualTo(403);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", user.id())).isEqualTo(1);
        assertThat(get("/api/me", verified.access()).status()).isEqualTo(200);
    }

    @Test
    void loginWhenPendingSetupOlderThanItsLifetimeThenNotConfirmed() throws Exception {
        Tokens password = login();
        Setup setup = createTotp(password.access());

        clock.advance(Duration.ofMinutes(10));
        password = login();

        Answer answer = post("/api/totp/login", password.access(), json("token", code(setup.secret())));
        assertProblem(answer, 400, NO_DEVICE);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ? and confirmed = true", user.id()))
                .isZero();
        assertThat(status(password.access())).isFalse();
        assertThat(post("/api/totp/recovery_code/login", password.access(),
                json("token", setup.recoveryCodes().get(0))).status()).isEqualTo(400);
        Setup again = createTotp(password.access());
        assertThat(post("/api/totp/login", password.access(), json("token", code(again.secret()))).status())
                .isEqualTo(200);
    }

    @Test
    void loginWhenPendingSetupJustWithinItsLifetimeThenConfirmed() throws Exception {
        Tokens password = login();
        Setup setup = createTotp(password.access());

        clock.advance(Duration.ofMinutes(10).minusSeconds(31));

        assertThat(post("/api/totp/login", login().access(), json("token", code(setup.secret()))).status())
                .isEqualTo(200);
    }

    @Test
    void loginWhenPendingDeviceBesideAConfirmedOneAndPasswordOnlyTokenThenNotConfirmed() throws Exception {
        Tokens planter = login();
        Setup planted = createTotp(planter.access());
        OtpSecret ownSecret = OtpSecret.generate(io.otpgate.core.HmacAlgorithm.SHA1, new SecureRandom());
        // A device confirmed by another path (an import, or an operator before this release) beside the planted one.
        totpDevices.insert(user.id(), "phone", true, ownSecret, Totp.defaults(), 1, 0, -1, clock.instant());

        Answer answer = post("/api/totp/login", planter.access(), json("token", code(planted.secret())));

        assertProblem(answer, 400, WRONG_CODE);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ? and confirmed = false", user.id()))
                .as("still pending").isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        Tokens verified = tokens(post("/api/totp/login", planter.access(), json("token", code(ownSecret))));
        nextStep();
        assertThat(post("/api/totp/login", verified.access(), json("token", code(planted.secret()))).status())
                .as("a session that proved the existing factor may confirm it").isEqualTo(200);
    }

    @Test
    void createWhenPendingSetupThenPasswordOnlyAccessUnchanged() throws Exception {
        Tokens password = login();

        createTotp(password.access());

        assertThat(get("/api/me", password.access()).status()).isEqualTo(200);
        assertThat(get("/api/profile", password.access()).status()).isEqualTo(200);
    }

    @Test
    void createWhenUserHasConfirmedDeviceAndPasswordOnlyTokenThenConflict() throws Exception {
        Enrolled enrolled = enrol();

        Answer answer = post("/api/totp/create", enrolled.passwordOnly().access(), null);

        assertThat(answer.status()).isEqualTo(409);
        assertThat(answer.response().getContentType()).startsWith(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        assertThat(answer.json().has("detail")).isTrue();
        assertThat(answer.json().has("message")).isTrue();
        assertThat(answer.json().get("errors").isArray()).isTrue();
        assertThat(answer.json().get("otpUrl")).isNull();
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", user.id())).isEqualTo(1);
        assertThat(get("/api/totp/create", enrolled.passwordOnly().access()).status()).isEqualTo(409);
        assertThat(post("/api/totp/recovery_code/login", enrolled.passwordOnly().access(),
                json("token", enrolled.setup().recoveryCodes().get(0))).status())
                .as("the recovery codes were not replaced").isEqualTo(200);
    }

    @Test
    void createWhenUserHasConfirmedDeviceAndVerifiedTokenThenSecondPendingDevice() throws Exception {
        Enrolled enrolled = enrol();

        Setup second = createTotp(enrolled.verified().access());

        assertThat(second.secret()).isNotEqualTo(enrolled.setup().secret());
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ? and confirmed = true", user.id()))
                .isEqualTo(1);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ? and confirmed = false", user.id()))
                .isEqualTo(1);
        assertThat(status(enrolled.verified().access())).isTrue();
        assertThat(get("/api/me", enrolled.verified().access()).status()).isEqualTo(200);
        assertThat(get("/api/me", enrolled.passwordOnly().access()).status()).isEqualTo(403);
        assertThat(post("/api/totp/recovery_code/login", enrolled.passwordOnly().access(),
                json("token", enrolled.setup().recoveryCodes().get(0))).status())
                .as("the current codes stay valid until the second setup is confirmed").isEqualTo(200);
        assertThat(post("/api/totp/recovery_code/login", enrolled.passwordOnly().access(),
                json("token", second.recoveryCodes().get(0))).status())
                .as("the new codes wait for the confirmation").isEqualTo(400);
    }

    // DELETE /api/totp/rollback

    @Test
    void rollbackWhenSetupPendingThenDeviceAndCodesRemoved() throws Exception {
        Tokens password = login();
        createTotp(password.access());

        Answer answer = delete("/api/totp/rollback", password.access());

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.text("message")).isEqualTo("Setup 2FA Cancelled.");
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", user.id())).isZero();
        assertThat(count("select count(*) from otpgate_static_device where account_id = ?", user.id())).isZero();
        assertThat(status(password.access())).isFalse();
        assertThat(events("DEVICE_REMOVED")).isEqualTo(1);
    }

    @Test
    void rollbackWhenNothingPendingThenBadRequest() throws Exception {
        Tokens password = login();

        Answer answer = delete("/api/totp/rollback", password.access());

        assertProblem(answer, 400, "This user has not pre-setup two factor authentication");
    }

    @Test
    void rollbackWhenSetupRolledBackThenSecondRollbackIsBadRequest() throws Exception {
        Tokens password = login();
        createTotp(password.access());
        delete("/api/totp/rollback", password.access());

        assertProblem(delete("/api/totp/rollback", password.access()), 400,
                "This user has not pre-setup two factor authentication");
    }

    @Test
    void rollbackWhenDeviceConfirmedThenBadRequestAndDeviceKept() throws Exception {
        Enrolled enrolled = enrol();

        Answer answer = delete("/api/totp/rollback", enrolled.verified().access());

        assertProblem(answer, 400, "2FA is already enabled, please disable it first.");
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ? and confirmed = true", user.id()))
                .isEqualTo(1);
        assertThat(count("select count(*) from otpgate_static_device where account_id = ?", user.id())).isEqualTo(1);
        assertThat(status(enrolled.verified().access())).isTrue();
        assertThat(get("/api/me", enrolled.verified().access()).status()).isEqualTo(200);
    }

    @Test
    void rollbackWhenDeviceConfirmedAndPasswordOnlyTokenThenDeviceKept() throws Exception {
        Enrolled enrolled = enrol();

        Answer answer = delete("/api/totp/rollback", enrolled.passwordOnly().access());

        assertThat(answer.status()).isEqualTo(400);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", user.id())).isEqualTo(1);
        assertThat(get("/api/me", enrolled.verified().access()).status()).isEqualTo(200);
    }

    @Test
    void rollbackWhenSecondSetupPendingThenOnlyItIsRemoved() throws Exception {
        Enrolled enrolled = enrol();
        Setup second = createTotp(enrolled.verified().access());

        Answer answer = delete("/api/totp/rollback", enrolled.verified().access());

        assertThat(answer.status()).isEqualTo(200);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", user.id())).isEqualTo(1);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ? and confirmed = true", user.id()))
                .isEqualTo(1);
        assertThat(get("/api/me", enrolled.verified().access()).status()).isEqualTo(200);
        assertThat(post("/api/totp/recovery_code/login", enrolled.passwordOnly().access(),
                json("token", enrolled.setup().recoveryCodes().get(0))).status())
                .as("the confirmed codes stay").isEqualTo(200);
        nextStep();
        assertThat(post("/api/totp/login", login().access(), json("token", code(second.secret()))).status())
                .as("the cancelled device is gone").isEqualTo(400);
    }

    // POST /api/totp/login

    @Test
    void loginWhenCodeCorrectThenSetupConfirmedAndTokensNameDevice() throws Exception {
        Tokens password = login();
        Setup setup = createTotp(password.access());
        long deviceId = count("select id from otpgate_totp_device where account_id = ?", user.id());
        clock.advance(Duration.ofSeconds(5));

        Answer answer = post("/api/totp/login", password.access(), json("token", code(setup.secret())));

        Tokens verified = tokens(answer);
        assertThat(answer.header("Cache-Control")).contains("no-store");
        for (String jwt : List.of(verified.access(), verified.refresh())) {
            assertThat(payload(jwt).get("otp_device_id").stringValue()).isEqualTo("totp/" + deviceId);
            assertThat(payload(jwt).get("amr").toString()).isEqualTo("[\"pwd\",\"otp\",\"mfa\"]");
            assertThat(payload(jwt).get("auth_time").longValue())
                    .as("the password was checked at login, not now")
                    .isEqualTo(payload(password.access()).get("auth_time").longValue());
        }
        assertThat(count("select count(*) from otpgate_totp_device where id = ? and confirmed = true", deviceId)).isEqualTo(1);
        assertThat(profileOtpEnabled()).isTrue();
        assertThat(status(password.access())).isTrue();
        assertThat(status(verified.access())).isTrue();
        assertThat(get("/api/me", verified.access()).status()).isEqualTo(200);
        assertThat(get("/api/me", password.access()).status()).isEqualTo(403);
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'DEVICE_CONFIRMED' "
                + "and device = ?", user.id(), "totp/" + deviceId)).isEqualTo(1);
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'OTP_VERIFIED' "
                + "and device = ?", user.id(), "totp/" + deviceId)).isEqualTo(1);
    }

    @Test
    void loginWhenDeviceConfirmedThenNewSessionProvesIt() throws Exception {
        Enrolled enrolled = enrol();
        nextStep();
        Tokens password = login();

        Tokens verified = tokens(post("/api/totp/login", password.access(),
                json("token", code(enrolled.setup().secret()))));

        assertThat(payload(verified.access()).get("otp_device_id").stringValue())
                .isEqualTo(payload(enrolled.verified().access()).get("otp_device_id").stringValue());
        assertThat(get("/api/me", verified.access()).status()).isEqualTo(200);
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'DEVICE_CONFIRMED'",
                user.id())).as("confirmed once").isEqualTo(1);
    }

    @Test
    void loginWhenCodeTypedWithSpacesThenAccepted() throws Exception {
        Tokens password = login();
        Setup setup = createTotp(password.access());
        String code = code(setup.secret());

        Answer answer = post("/api/totp/login", password.access(),
                json("token", code.substring(0, 3) + " " + code.substring(3)));

        assertThat(answer.status()).isEqualTo(200);
    }

    @Test
    void loginWhenCodeWrongThenBadRequestAndSetupStaysPending() throws Exception {
        Tokens password = login();
        Setup setup = createTotp(password.access());

        Answer answer = post("/api/totp/login", password.access(), json("token", wrongCode(setup.secret())));

        assertProblem(answer, 400, WRONG_CODE);
        assertThat(answer.json().get("access")).isNull();
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ? and confirmed = false", user.id()))
                .isEqualTo(1);
        assertThat(status(password.access())).isFalse();
        assertThat(profileOtpEnabled()).isFalse();
        assertThat(events("OTP_FAILED")).isEqualTo(1);
        assertThat(events("OTP_VERIFIED")).isZero();
    }

    @Test
    void loginWhenCodeReusedThenRefused() throws Exception {
        Enrolled enrolled = enrol();
        String used = code(enrolled.setup().secret());

        assertProblem(post("/api/totp/login", login().access(), json("token", used)), 400, WRONG_CODE);

        clock.advance(Duration.ofSeconds(2));
        assertThat(code(enrolled.setup().secret())).isEqualTo(used);
        assertProblem(post("/api/totp/login", login().access(), json("token", used)), 400, WRONG_CODE);
        nextStep();
        assertThat(post("/api/totp/login", login().access(), json("token", code(enrolled.setup().secret()))).status())
                .as("the next step's code").isEqualTo(200);
    }

    @Test
    void loginWhenCodeOfEarlierStepThanLastUsedThenRefused() throws Exception {
        Enrolled enrolled = enrol();
        String earlier = Totp.defaults().generate(enrolled.setup().secret(), clock.instant().minusSeconds(30));

        assertProblem(post("/api/totp/login", login().access(), json("token", earlier)), 400, WRONG_CODE);
    }

    @Test
    void loginWhenNoDeviceThenBadRequest() throws Exception {
        Tokens password = login();

        Answer answer = post("/api/totp/login", password.access(), json("token", "123456"));

        assertProblem(answer, 400, NO_DEVICE);
        assertThat(answer.json().get("errors").get(0).stringValue()).isEqualTo(NO_DEVICE);
    }

    @Test
    void loginWhenOnlyRecoveryCodesThenNoDevice() throws Exception {
        Enrolled enrolled = enrol();
        jdbc.sql("delete from otpgate_totp_device where account_id = ?").param(user.id()).update();

        assertProblem(post("/api/totp/login", enrolled.passwordOnly().access(), json("token", "123456")), 400,
                NO_DEVICE);
    }

    @Test
    void loginWhenTokenFieldMissingThenBadRequest() throws Exception {
        Tokens password = login();
        createTotp(password.access());

        assertProblem(post("/api/totp/login", password.access(), "{}"), 400,
                "Request body `token` should not be null");
        assertProblem(post("/api/totp/login", password.access(), null), 400,
                "Request body `token` should not be null");
    }

    @ParameterizedTest
    @ValueSource(strings = { "12345", "123456789", "12345a", "１２３４５６", "-12345" })
    void loginWhenCodeMalformedThenBadRequestWithoutAnAttempt(String typed) throws Exception {
        Tokens password = login();
        Setup setup = createTotp(password.access());

        assertProblem(post("/api/totp/login", password.access(), json("token", typed)), 400,
                "`token` must be 6 to 8 digits");

        assertThat(events("OTP_FAILED")).isZero();
        assertThat(post("/api/totp/login", password.access(), json("token", code(setup.secret()))).status())
                .as("not throttled").isEqualTo(200);
    }

    @Test
    void loginWhenCodeRightAfterWrongOneThenThrottledUntilDelayPassed() throws Exception {
        Tokens password = login();
        Setup setup = createTotp(password.access());
        assertThat(post("/api/totp/login", password.access(), json("token", wrongCode(setup.secret()))).status())
                .isEqualTo(400);

        Answer throttled = post("/api/totp/login", password.access(), json("token", code(setup.secret())));

        assertProblem(throttled, 429, "Too many failed attempts: try again in 1 s");
        assertThat(throttled.header("Retry-After")).isEqualTo("1");
        assertThat(events("OTP_THROTTLED")).isEqualTo(1);
        assertThat(status(password.access())).as("not confirmed").isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(post("/api/totp/login", password.access(), json("token", code(setup.secret()))).status())
                .isEqualTo(200);
    }

    /**
     * Wrong codes from elsewhere after the right password are told to the user at the next login, and recorded; the
     * user's own mistypes just before are not. The owner's familiar address does not wait on the stranger's failures.
     */
    @Test
    void loginWhenSomeoneElseTriedCodesThenTheNextLoginSaysHowMany() throws Exception {
        Enrolled enrolled = enrol();
        OtpSecret secret = enrolled.setup().secret();
        clientAddress = "203.0.113.9";
        for (int i = 0; i < 3; i++) {
            assertThat(post("/api/totp/login", login().access(), json("token", wrongCode(secret))).status())
                    .isEqualTo(400);
            clock.advance(Duration.ofMinutes(20));
        }
        clientAddress = "192.0.2.10";
        nextStep();
        Tokens owner = login();
        assertThat(post("/api/totp/login", owner.access(), json("token", wrongCode(secret))).status())
                .as("the owner's own mistype").isEqualTo(400);
        clock.advance(Duration.ofSeconds(1));

        Answer verified = post("/api/totp/login", owner.access(), json("token", code(secret)));

        assertThat(verified.status()).isEqualTo(200);
        assertThat(verified.json().get("wrong_codes_since_last_login").intValue()).isEqualTo(3);
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = ?", user.id(),
                "WRONG_CODES_REPORTED")).isEqualTo(1);
        nextStep();
        Answer next = post("/api/totp/login", login().access(), json("token", code(secret)));
        assertThat(next.json().get("wrong_codes_since_last_login").intValue()).as("told once").isZero();
    }

    @Test
    void loginWhenFailuresContinueThenDelayDoubles() throws Exception {
        Enrolled enrolled = enrol();
        OtpSecret secret = enrolled.setup().secret();
        nextStep();
        Tokens password = login();
        post("/api/totp/login", password.access(), json("token", wrongCode(secret)));
        clock.advance(Duration.ofSeconds(1));
        assertThat(post("/api/totp/login", password.access(), json("token", wrongCode(secret))).status())
                .isEqualTo(400);

        clock.advance(Duration.ofSeconds(1));
        Answer throttled = post("/api/totp/login", password.access(), json("token", code(secret)));

        assertThat(throttled.status()).isEqualTo(429);
        assertThat(throttled.header("Retry-After")).isEqualTo("1");
        clock.advance(Duration.ofSeconds(1));
        assertThat(post("/api/totp/login", password.access(), json("token", code(secret))).status()).isEqualTo(200);
        assertThat(post("/api/totp/login", password.access(), json("token", wrongCode(secret))).status())
                .as("a success clears the delay: the next failure waits 1 s again").isEqualTo(400);
        Answer again = post("/api/totp/login", password.access(), json("token", wrongCode(secret)));
        assertThat(again.header("Retry-After")).isEqualTo("1");
    }

    @Test
    void loginWhenHundredConsecutiveFailuresThenAccountLocked() throws Exception {
        Enrolled enrolled = enrol();
        OtpSecret secret = enrolled.setup().secret();
        failRepeatedly(secret, 100);

        Answer locked = post("/api/totp/login", session(), json("token", code(secret)));

        assertThat(locked.status()).as("answer %s", locked.json()).isEqualTo(429);
        assertThat(locked.text("detail")).startsWith("Two-factor authentication is locked after too many failed "
                + "attempts until ");
        assertThat(locked.header("Retry-After")).isEqualTo("86400");
        assertThat(events("ACCOUNT_LOCKED")).isEqualTo(1);
        assertThat(events("OTP_REFUSED_LOCKED")).isEqualTo(1);
        assertThat(post("/api/totp/recovery_code/login", session(),
                json("token", enrolled.setup().recoveryCodes().get(0))).status())
                .as("recovery codes are locked too").isEqualTo(429);
    }

    @Test
    void loginWhenAccountLockExpiredThenCodeCheckedAgain() throws Exception {
        Enrolled enrolled = enrol();
        OtpSecret secret = enrolled.setup().secret();
        failRepeatedly(secret, 100);
        Answer locked = post("/api/totp/login", session(), json("token", code(secret)));
        assertThat(locked.status()).isEqualTo(429);

        clock.advance(Duration.ofSeconds(Long.parseLong(locked.header("Retry-After"))));
        Answer answer = post("/api/totp/login", session(), json("token", code(secret)));

        assertThat(answer.status()).as("after the Retry-After of the lock: %s %s", answer.json(),
                answer.header("Retry-After")).isEqualTo(200);
    }

    // DELETE /api/totp/delete

    @Test
    void deleteWhenOtpVerifiedThenEveryDeviceRemovedAndPasswordOnlyTokens() throws Exception {
        Enrolled enrolled = enrol();
        hotpDevices.insert(user.id(), "token", true, OtpSecret.generate(20, new SecureRandom()), Hotp.defaults(), 5,
                0, clock.instant());
        createTotp(enrolled.verified().access());

        Answer answer = delete("/api/totp/delete", enrolled.verified().access());

        Tokens reset = tokens(answer);
        assertThat(answer.header("Cache-Control")).contains("no-store");
        assertThat(payload(reset.access()).get("otp_device_id")).isNull();
        assertThat(payload(reset.refresh()).get("otp_device_id")).isNull();
        assertThat(payload(reset.access()).get("amr").toString()).isEqualTo("[\"pwd\"]");
        assertThat(payload(reset.access()).get("auth_time").longValue())
                .isEqualTo(payload(enrolled.verified().access()).get("auth_time").longValue());
        for (String table : List.of("otpgate_totp_device", "otpgate_static_device", "otpgate_hotp_device")) {
            assertThat(count("select count(*) from " + table + " where account_id = ?", user.id())).as(table).isZero();
        }
        assertThat(profileOtpEnabled()).isFalse();
        assertThat(status(reset.access())).isFalse();
        assertThat(get("/api/me", reset.access()).status()).isEqualTo(200);
        assertThat(get("/api/me", enrolled.passwordOnly().access()).status())
                .as("turning the second factor off ends the user's other sessions").isEqualTo(401);
        assertThat(events("SECOND_FACTOR_RESET")).isEqualTo(1);
        assertThat(events("SESSIONS_ENDED")).isEqualTo(1);
        nextStep();
        assertProblem(post("/api/totp/login", reset.access(), json("token", code(enrolled.setup().secret()))), 400,
                NO_DEVICE);
        assertProblem(post("/api/totp/recovery_code/login", reset.access(),
                json("token", enrolled.setup().recoveryCodes().get(0))), 400, "Invalid 2FA recovery Token.");
    }

    @Test
    void deleteWhenPasswordOnlyTokenThenForbiddenAndDevicesKept() throws Exception {
        Enrolled enrolled = enrol();

        Answer answer = delete("/api/totp/delete", enrolled.passwordOnly().access());

        assertProblem(answer, 403, SECOND_FACTOR_MISSING);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", user.id())).isEqualTo(1);
        assertThat(count("select count(*) from otpgate_static_device where account_id = ?", user.id())).isEqualTo(1);
        assertThat(status(enrolled.verified().access())).isTrue();
    }

    /** A recovery code is not enough to turn 2FA off (step-up's recovery-code rule): a code from the device is. */
    @Test
    void deleteWhenRecoveryCodeTokenThenUnauthorizedUntilADeviceCode() throws Exception {
        Enrolled enrolled = enrol();
        Tokens recovered = tokens(post("/api/totp/recovery_code/login", login().access(),
                json("token", enrolled.setup().recoveryCodes().get(0))));

        assertThat(delete("/api/totp/delete", recovered.access()).status()).isEqualTo(401);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", user.id())).isEqualTo(1);
        nextStep();
        Tokens verified = tokens(post("/api/totp/login", recovered.access(),
                json("token", code(enrolled.setup().secret()))));
        assertThat(delete("/api/totp/delete", verified.access()).status()).isEqualTo(200);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", user.id())).isZero();
    }

    @Test
    void deleteWhenNoConfirmedDeviceThenPasswordOnlyTokenSuffices() throws Exception {
        Tokens password = login();
        createTotp(password.access());

        Answer answer = delete("/api/totp/delete", password.access());

        assertThat(answer.status()).isEqualTo(200);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", user.id())).isZero();
        assertThat(count("select count(*) from otpgate_static_device where account_id = ?", user.id())).isZero();
    }

    @Test
    void deleteWhenDoneThenTokensNamingTheOldDevicesNoLongerVerify() throws Exception {
        Enrolled enrolled = enrol();
        Tokens recovered = tokens(post("/api/totp/recovery_code/login", login().access(),
                json("token", enrolled.setup().recoveryCodes().get(0))));
        Tokens reset = tokens(delete("/api/totp/delete", enrolled.verified().access()));
        nextStep();
        Setup again = createTotp(reset.access());
        Tokens verifiedAgain = tokens(post("/api/totp/login", reset.access(), json("token", code(again.secret()))));

        // Turning 2FA off ended the sessions of the old devices; the one it answered with is password only.
        assertProblem(get("/api/me", enrolled.verified().access()), 401, "Given token not valid for any token type");
        assertProblem(get("/api/me", recovered.access()), 401, "Given token not valid for any token type");
        assertProblem(get("/api/me", reset.access()), 403, SECOND_FACTOR_MISSING);
        Answer refreshedOld = post("/api/token/refresh", null, json("refresh", enrolled.verified().refresh()));
        if (refreshedOld.status() == 200) {
            assertThat(get("/api/me", refreshedOld.text("access")).status())
                    .as("a refresh does not revive the old device").isEqualTo(403);
        } else {
            assertThat(refreshedOld.status()).isEqualTo(401);
        }
        assertThat(get("/api/me", verifiedAgain.access()).status()).isEqualTo(200);
    }

    @Test
    void deleteWhenDeviceRemovedElsewhereThenItsTokensRefusedAtOnce() throws Exception {
        Enrolled enrolled = enrol();
        Setup second = createTotp(enrolled.verified().access());
        Tokens onSecond = tokens(post("/api/totp/login", enrolled.verified().access(),
                json("token", code(second.secret()))));
        String first = payload(enrolled.verified().access()).get("otp_device_id").stringValue();

        jdbc.sql("delete from otpgate_totp_device where id = ?").param(Long.parseLong(first.substring("totp/".length())))
                .update();

        assertProblem(get("/api/me", enrolled.verified().access()), 403, SECOND_FACTOR_MISSING);
        assertThat(get("/api/me", onSecond.access()).status()).isEqualTo(200);
    }

    // GET /api/totp/status

    @Test
    void statusWhenNoDeviceThenFalse() throws Exception {
        Answer answer = get("/api/totp/status", login().access());

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().get("isOtpEnabled").isBoolean()).isTrue();
        assertThat(answer.json().get("isOtpEnabled").booleanValue()).isFalse();
        assertThat(answer.json().size()).isEqualTo(1);
    }

    @Test
    void statusWhenDeviceConfirmedThenTrueForEveryToken() throws Exception {
        Enrolled enrolled = enrol();

        assertThat(status(enrolled.passwordOnly().access())).isTrue();
        assertThat(status(enrolled.verified().access())).isTrue();
    }

    @Test
    void statusWhenOnlyHotpDeviceConfirmedThenTrue() throws Exception {
        Tokens password = login();
        hotpDevices.insert(user.id(), "token", true, OtpSecret.generate(20, new SecureRandom()), Hotp.defaults(), 5,
                0, clock.instant());

        assertThat(status(password.access())).isTrue();
    }

    // helpers

    /** Fails {@code failures} times with the clock moved past each delay, each from a new password-only session. */
    private void failRepeatedly(OtpSecret secret, int failures) throws Exception {
        for (int failure = 1; failure <= failures; failure++) {
            nextStep();
            Answer refused = post("/api/totp/login", session(), json("token", wrongCode(secret)));
            assertThat(refused.status()).as("failure %d: %s", failure, refused.json()).isEqualTo(400);
            if (failure < failures) {
                clock.advance(Duration.ofSeconds(1L << Math.min(failure - 1, 40)));
            }
        }
    }

    /** A new password-only session at the clock's time (without the cost of a password check). */
    private String session() {
        return tokenService.issue(user.id(), null, clock.instant()).access();
    }

    /** A 6-digit code that matches none of the steps around now. */
    private String wrongCode(OtpSecret secret) {
        Set<String> near = new HashSet<>();
        Instant now = clock.instant();
        for (int step = -3; step <= 3; step++) {
            near.add(Totp.defaults().generate(secret, now.plusSeconds(30L * step)));
        }
        for (int candidate = 0;; candidate++) {
            String code = String.format("%06d", candidate);
            if (!near.contains(code)) {
                return code;
            }
        }
    }

    private boolean status(String access) throws Exception {
        Answer answer = get("/api/totp/status", access);
        assertThat(answer.status()).isEqualTo(200);
        return answer.json().get("isOtpEnabled").booleanValue();
    }

    private boolean profileOtpEnabled() {
        return jdbc.sql("select is_otp_enabled from user_profile where user_id = ?").param(user.id())
                .query(Boolean.class).single();
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
