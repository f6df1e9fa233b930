package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

/**
 * What ends a user's API sessions at once (issue 14): the user's session version, bumped by a password change, a
 * second-factor reset, new recovery codes and "log out everywhere", checked on every refresh and in every access
 * token; and the absolute age of a refresh family, counted from {@code auth_time}
 * ({@code otpgate.token.session-max-age}, 30 days by default).
 */
class SessionEndTest extends ApiTestBase {

    private static final String INVALID = "Token is invalid or expired";
    private static final String NOT_VALID = "Given token not valid for any token type";

    private long sessionsEnded(String detail) {
        return count("select count(*) from otpgate_security_event where account_id = ? and kind = 'SESSIONS_ENDED' "
                + "and detail like ?", user.id(), detail + "%");
    }

    private static void assertProblem(Answer answer, int status, String message) {
        assertThat(answer.status()).as("answer %s", answer.json()).isEqualTo(status);
        assertThat(answer.text("detail")).isEqualTo(message);
    }

    @Test
    void refreshWhenPasswordSetThenRefusedAndAccessTokenEnded() throws Exception {
        Tokens tokens = login();

        userService.setPassword(user.id(), "a new password of the user");

        assertProblem(post("/api/token/refresh", null, json("refresh", tokens.refresh())), 401, INVALID);
        Answer access = get("/api/totp/status", tokens.access());
        assertProblem(access, 401, NOT_VALID);
        assertThat(access.text("code")).isEqualTo("token_not_valid");
        assertThat(sessionsEnded("password changed")).isEqualTo(1);
    }

    @Test
    void refreshWhenRecoveryCodesReplacedThenTheSessionOfAnOldCodeEnds() throws Exception {
        Enrolled enrolled = enrol();
        Tokens recovered = tokens(post("/api/totp/recovery_code/login", login().access(),
                json("token", enrolled.setup().recoveryCodes().get(0))));

        assertThat(post("/api/totp/recovery_code/create", enrolled.verified().access(), null).status())
                .isEqualTo(201);

        assertProblem(get("/api/me", recovered.access()), 401, NOT_VALID);
        assertProblem(post("/api/token/refresh", null, json("refresh", recovered.refresh())), 401, INVALID);
        assertThat(sessionsEnded("recovery codes replaced")).isEqualTo(1);
    }

    @Test
    void refreshWhenSecondFactorTurnedOffThenOtherSessionsEndAndTheNewTokensWork() throws Exception {
        Enrolled enrolled = enrol();
        Tokens other = login();

        Tokens reset = tokens(delete("/api/totp/delete", enrolled.verified().access()));

        assertProblem(post("/api/token/refresh", null, json("refresh", other.refresh())), 401, INVALID);
        assertProblem(post("/api/token/refresh", null, json("refresh", enrolled.verified().refresh())), 401, INVALID);
        assertProblem(get("/api/me", other.access()), 401, NOT_VALID);
        assertThat(get("/api/me", reset.access()).status()).isEqualTo(200);
        assertThat(post("/api/token/refresh", null, json("refresh", reset.refresh())).status()).isEqualTo(200);
        assertThat(sessionsEnded("second factor reset")).isEqualTo(1);
    }

    @Test
    void refreshWhenRefreshedDailyThenTheSessionEndsThirtyDaysAfterTheLogin() throws Exception {
        Tokens tokens = login();
        Instant authTime = clock.instant();
        int refreshed = 0;
        while (true) {
            clock.advance(Duration.ofHours(23));
            Answer answer = post("/api/token/refresh", null, json("refresh", tokens.refresh()));
            if (answer.status() != 200) {
                assertProblem(answer, 401, INVALID);
                break;
            }
            tokens = tokens(answer);
            refreshed++;
            assertThat(payload(tokens.refresh()).get("auth_time").longValue()).isEqualTo(authTime.getEpochSecond());
            assertThat(payload(tokens.refresh()).get("exp").longValue())
                    .as("no refresh token outlives the session's maximum age")
                    .isLessThanOrEqualTo(authTime.plus(Duration.ofDays(30)).getEpochSecond());
            assertThat(payload(tokens.access()).get("exp").longValue())
                    .isLessThanOrEqualTo(authTime.plus(Duration.ofDays(30)).getEpochSecond());
        }
        // Every 23 hours: the 31st refresh is at 713 h, the 32nd at 736 h, past the 720 h of 30 days.
        assertThat(refreshed).as("refreshes within 30 days of the login").isEqualTo(31);
    }

    @Test
    void refreshWhenPastSessionMaxAgeThenRefusedThoughTheTokenIsUnexpired() throws Exception {
        Tokens tokens = login();
        for (int i = 0; i < 31; i++) {
            clock.advance(Duration.ofHours(23));
            tokens = tokens(post("/api/token/refresh", null, json("refresh", tokens.refresh())));
        }
        // At 713 h; the last refresh of the session 20 minutes before its end (720 h), then one at the end.
        clock.advance(Duration.ofHours(7).minusMinutes(20));
        Tokens last = tokens(post("/api/token/refresh", null, json("refresh", tokens.refresh())));
        clock.advance(Duration.ofMinutes(20));

        assertProblem(post("/api/token/refresh", null, json("refresh", last.refresh())), 401, INVALID);
    }

    @Test
    void logoutAllWhenOtpVerifiedThenEverySessionEnds() throws Exception {
        Enrolled enrolled = enrol();
        Tokens other = login();

        Answer answer = post("/api/token/logout-all", enrolled.verified().access(), null);

        assertThat(answer.status()).isEqualTo(204);
        for (Tokens ended : new Tokens[] { enrolled.verified(), enrolled.passwordOnly(), other }) {
            assertProblem(get("/api/totp/status", ended.access()), 401, NOT_VALID);
            assertProblem(post("/api/token/refresh", null, json("refresh", ended.refresh())), 401, INVALID);
        }
        assertThat(sessionsEnded("log out everywhere")).isEqualTo(1);
        assertThat(get("/api/totp/status", login().access()).status()).as("a new login works").isEqualTo(200);
    }

    @Test
    void logoutAllWhenPasswordOnlyAndDeviceConfirmedThenForbiddenAndNothingEnds() throws Exception {
        Enrolled enrolled = enrol();

        Answer answer = post("/api/token/logout-all", enrolled.passwordOnly().access(), null);

        assertThat(answer.status()).isEqualTo(403);
        assertThat(get("/api/me", enrolled.verified().access()).status()).isEqualTo(200);
        assertThat(sessionsEnded("")).isZero();
    }

    @Test
    void logoutAllWhenNoTokenThenUnauthorized() throws Exception {
        assertThat(post("/api/token/logout-all", null, null).status()).isEqualTo(401);
    }

    @Test
    void logoutAllWhenUserWithoutDeviceThenAllowed() throws Exception {
        Tokens tokens = login();

        assertThat(post("/api/token/logout-all", tokens.access(), null).status()).isEqualTo(204);

        assertProblem(post("/api/token/refresh", null, json("refresh", tokens.refresh())), 401, INVALID);
    }
}
