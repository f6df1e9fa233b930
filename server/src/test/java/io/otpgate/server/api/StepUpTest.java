package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.otpgate.server.token.TokenClaims;
import io.otpgate.server.token.TokenCodec;
import io.otpgate.spring.device.DeviceRef;

/**
 * Step-up in the REST API: {@code DELETE /api/totp/delete}, {@code /api/totp/recovery_code/create} and
 * {@code /api/totp/create} (when a device exists) need a token whose {@code otp_time} is within
 * {@code otpgate.policy.step-up-within} (5 minutes); otherwise RFC 9470's 401 and a problem naming the endpoint to
 * send a code to. A refresh keeps {@code otp_time}; a recovery code is enough for new codes and a new device, not to
 * turn 2FA off; a token from before {@code otp_time} existed is stale, not an error.
 */
class StepUpTest extends ApiTestBase {

    private static final Duration STALE = Duration.ofMinutes(5).plusSeconds(1);
    private static final String STALE_DELETE = "This action needs a second factor verified in the last 300 seconds: "
            + "verify a code again with POST /api/totp/login, then repeat this request with the new access token";
    private static final String STALE_ANY_CODE = "This action needs a second factor verified in the last 300 "
            + "seconds: verify a code again with POST /api/totp/login (or a recovery code with POST "
            + "/api/totp/recovery_code/login), then repeat this request with the new access token";
    private static final String DEVICE_NEEDED = "A recovery code is not enough for this action: verify a code from "
            + "your authenticator with POST /api/totp/login (or a passkey with POST /api/webauthn/login), then repeat "
            + "this request with the new access token";

    @Autowired TokenCodec codec;

    @Test
    void tokensOfACodeCarryOtpTimeAndPasswordTokensNone() throws Exception {
        Enrolled enrolled = enrol();

        assertThat(payload(enrolled.verified().access()).get("otp_time").asLong())
                .isEqualTo(clock.instant().getEpochSecond());
        assertThat(payload(enrolled.verified().refresh()).get("otp_time").asLong())
                .isEqualTo(clock.instant().getEpochSecond());
        assertThat(payload(enrolled.passwordOnly().access()).has("otp_time")).isFalse();
    }

    @Test
    void deleteWhenOtpTimeOlderThanTheWindowThenUnauthorizedWithChallengeAndAfterACodeDisabled() throws Exception {
        Enrolled enrolled = enrol();
        clock.advance(Duration.ofMinutes(4));
        Tokens refreshed = tokens(post("/api/token/refresh", null, json("refresh", enrolled.verified().refresh())));
        clock.advance(Duration.ofSeconds(59));
        assertThat(get("/api/totp/status", refreshed.access()).status()).isEqualTo(200);
        clock.advance(Duration.ofSeconds(2));

        Answer refused = delete("/api/totp/delete", refreshed.access());

        assertStepUp(refused, STALE_DELETE);
        assertThat(get("/api/totp/status", refreshed.access()).json().get("isOtpEnabled").asBoolean())
                .as("nothing was removed").isTrue();
        Tokens fresh = tokens(post("/api/totp/login", refreshed.access(),
                json("token", code(enrolled.setup().secret()))));
        Answer deleted = delete("/api/totp/delete", fresh.access());
        assertThat(deleted.status()).as("answer %s", deleted.json()).isEqualTo(200);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", user.id())).isZero();
    }

    @Test
    void recoveryCodesWhenStaleThenUnauthorizedAndAfterACodeCreated() throws Exception {
        Enrolled enrolled = enrol();
        Tokens stale = stale(enrolled);

        Answer refused = post("/api/totp/recovery_code/create", stale.access(), null);

        assertStepUp(refused, STALE_ANY_CODE);
        Tokens fresh = tokens(post("/api/totp/login", stale.access(),
                json("token", code(enrolled.setup().secret()))));
        Answer created = post("/api/totp/recovery_code/create", fresh.access(), null);
        assertThat(created.status()).as("answer %s", created.json()).isEqualTo(201);
        assertThat(created.json().size()).isEqualTo(5);
    }

    @Test
    void createWhenADeviceExistsAndStaleThenUnauthorizedAndAfterACodeCreated() throws Exception {
        Enrolled enrolled = enrol();
        Tokens stale = stale(enrolled);

        Answer refused = post("/api/totp/create", stale.access(), null);

        assertStepUp(refused, STALE_ANY_CODE);
        Tokens fresh = tokens(post("/api/totp/login", stale.access(),
                json("token", code(enrolled.setup().secret()))));
        assertThat(post("/api/totp/create", fresh.access(), null).status()).isEqualTo(201);
    }

    @Test
    void refreshKeepsOtpTimeSoARefreshedTokenIsStillStale() throws Exception {
        Enrolled enrolled = enrol();
        long provenAt = clock.instant().getEpochSecond();
        clock.advance(STALE);

        Tokens refreshed = tokens(post("/api/token/refresh", null, json("refresh", enrolled.verified().refresh())));

        assertThat(payload(refreshed.access()).get("otp_time").asLong()).isEqualTo(provenAt);
        assertThat(payload(refreshed.access()).get("iat").asLong()).isGreaterThan(provenAt);
        assertStepUp(delete("/api/totp/delete", refreshed.access()), STALE_DELETE);
        assertThat(get("/api/me", refreshed.access()).status()).as("still OTP-verified").isEqualTo(200);
    }

    /** The recovery-code rule, both ways. */
    @Test
    void freshRecoveryCodeThenNewCodesAndNewDeviceAllowedButTurningOffNeedsADeviceCode() throws Exception {
        Enrolled enrolled = enrol();
        Tokens recovered = tokens(post("/api/totp/recovery_code/login", enrolled.passwordOnly().access(),
                json("token", enrolled.setup().recoveryCodes().get(0))));

        assertStepUp(delete("/api/totp/delete", recovered.access()), DEVICE_NEEDED);
        assertThat(post("/api/totp/create", recovered.access(), null).status())
                .as("a fresh recovery code is enough to add a device").isEqualTo(201);
        assertThat(post("/api/totp/recovery_code/create", recovered.access(), null).status())
                .as("a fresh recovery code is enough for new recovery codes").isEqualTo(201);

        // New recovery codes ended the user's sessions: log in again, this time with a code from the device.
        nextStep();
        Tokens password = login();
        Tokens verified = tokens(post("/api/totp/login", password.access(),
                json("token", code(enrolled.setup().secret()))));
        Answer deleted = delete("/api/totp/delete", verified.access());
        assertThat(deleted.status()).as("answer %s", deleted.json()).isEqualTo(200);
    }

    @Test
    void tokenWithoutOtpTimeFromBeforeTheClaimThenStaleNotAnError() throws Exception {
        Enrolled enrolled = enrol();
        DeviceRef device = DeviceRef.parse(payload(enrolled.verified().access()).get("otp_device_id").stringValue())
                .orElseThrow();
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        long version = payload(enrolled.verified().access()).get("sv").asLong();
        String old = codec.encode(new TokenClaims(TokenClaims.TokenType.ACCESS, UUID.randomUUID().toString(),
                user.id(), now, now.plus(Duration.ofMinutes(5)), device, List.of("pwd", "otp", "mfa"), now, version,
                null));
        assertThat(payload(old).has("otp_time")).isFalse();

        assertThat(get("/api/me", old).status()).as("still OTP-verified").isEqualTo(200);
        assertStepUp(delete("/api/totp/delete", old), STALE_DELETE);
        assertStepUp(post("/api/totp/recovery_code/create", old, null), STALE_ANY_CODE);
    }

    @Test
    void apiDocsDescribeTheStepUpAnswerOnEachSensitiveOperation() throws Exception {
        Answer docs = get("/v3/api-docs", null);

        assertThat(docs.status()).isEqualTo(200);
        for (String[] operation : new String[][] { { "/api/totp/delete", "delete" }, { "/api/totp/create", "post" },
            { "/api/totp/recovery_code/create", "get" } }) {
            tools.jackson.databind.JsonNode unauthorized = docs.json().get("paths").get(operation[0])
                    .get(operation[1]).get("responses").get("401");
            assertThat(unauthorized).as("%s %s", operation[1], operation[0]).isNotNull();
            assertThat(unauthorized.get("description").asString()).contains("300 seconds");
            assertThat(unauthorized.get("headers").has("WWW-Authenticate")).isTrue();
        }
        assertThat(docs.json().get("info").get("description").asString())
                .contains("insufficient_user_authentication");
    }

    /**
     * The session's tokens once its code is older than the window: refreshed, as a client does (an access token
     * lives 5 minutes too, so the one the code gave has expired by then).
     */
    private Tokens stale(Enrolled enrolled) throws Exception {
        clock.advance(STALE);
        return tokens(post("/api/token/refresh", null, json("refresh", enrolled.verified().refresh())));
    }

    private static void assertStepUp(Answer answer, String message) {
        assertThat(answer.status()).as("answer %s", answer.json()).isEqualTo(401);
        assertThat(answer.header("WWW-Authenticate")).isEqualTo("Bearer error=\"insufficient_user_authentication\", "
                + "error_description=\"" + message + "\", max_age=300");
        assertThat(answer.response().getContentType()).isEqualTo("application/problem+json");
        assertThat(answer.text("detail")).isEqualTo(message);
        assertThat(answer.text("code")).isEqualTo("insufficient_user_authentication");
        assertThat(answer.json().get("max_age").asLong()).isEqualTo(300);
    }
}
