package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

import io.otpgate.server.admin.UserAdministration;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.DeviceSummary;
import io.otpgate.spring.trust.TrustedBrowsers;
import jakarta.servlet.http.Cookie;
import tools.jackson.databind.JsonNode;

/**
 * "Remember this browser" in the REST API: {@code totp/login} with {@code "remember": true} sets the cookie; a
 * password login with it answers tokens with {@code amr ["pwd"]} and {@code otp_remembered: true}, which satisfy
 * {@code IsOtpVerified} and carry FACTOR_OTP_REMEMBERED, never FACTOR_OTP; for the cookie's own user only, until it
 * expires, is revoked, or the user's sessions end (a password change, a deactivation, a second-factor reset, the
 * removal of the last device).
 */
class TrustedBrowserEndpointsTest extends ApiTestBase {

    private static final String COOKIE = "otpgate_trusted_browser";
    private static final String CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/141.0.0.0 Safari/537.36";

    @Autowired DeviceService devices;
    @Autowired UserAdministration users;
    @Autowired TrustedBrowsers browsers;

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void totpLoginWithRememberThenPasswordLoginWithTheCookieGivesRememberedTokens(CapturedOutput output)
            throws Exception {
        Enrolled enrolled = enrol();
        Tokens password = login();
        nextStep();
        MockHttpServletResponse remembered = post("/api/totp/login", password.access(),
                json("token", code(enrolled.setup().secret()), "remember", true), CHROME).response();

        assertThat(remembered.getStatus()).isEqualTo(200);
        assertThat(remembered.getHeader("Set-Cookie")).startsWith(COOKIE + "=").contains("Path=/", "HttpOnly",
                "SameSite=Strict", "Max-Age=2592000").doesNotContain("Secure");
        String value = cookieValue(remembered);
        Tokens tokens = tokens(loginWith(user.username(), value));
        JsonNode claims = payload(tokens.access());
        assertThat(claims.get("amr").valueStream().map(JsonNode::stringValue).toList()).containsExactly("pwd");
        assertThat(claims.get("otp_remembered").booleanValue()).isTrue();
        assertThat(claims.has("otp_device_id")).isFalse();
        assertThat(get("/api/me", tokens.access()).status()).as("IsOtpVerified").isEqualTo(200);
        Tokens refreshed = tokens(post("/api/token/refresh", null, json("refresh", tokens.refresh())));
        assertThat(payload(refreshed.access()).get("otp_remembered").booleanValue()).as("kept on refresh").isTrue();
        assertThat(get("/api/me", refreshed.access()).status()).isEqualTo(200);

        Tokens plain = login();
        assertThat(payload(plain.access()).has("otp_remembered")).isFalse();
        assertThat(get("/api/me", plain.access()).status()).as("without the cookie").isEqualTo(403);
        JsonNode listed = get("/api/trusted_browsers", tokens.access()).json();
        assertThat(listed.size()).isEqualTo(1);
        assertThat(listed.get(0).get("description").stringValue()).isEqualTo("Chrome on Linux");
        assertThat(output.getAll()).contains("TRUSTED_BROWSER_ADDED").doesNotContain(value);
    }

    @Test
    void totpLoginOverHttpsThenTheCookieIsSecure() throws Exception {
        Enrolled enrolled = enrol();
        nextStep();

        MockHttpServletResponse remembered = call(MockMvcRequestBuilders.post("/api/totp/login").secure(true),
                login().access(), json("token", code(enrolled.setup().secret()), "remember", true)).response();

        assertThat(remembered.getHeader("Set-Cookie")).contains("Secure", "HttpOnly", "SameSite=Strict");
    }

    @Test
    void rememberNotABooleanThenBadRequestAndTheCodeIsNotSpent() throws Exception {
        Enrolled enrolled = enrol();
        Tokens password = login();
        nextStep();
        String code = code(enrolled.setup().secret());

        Answer refused = post("/api/totp/login", password.access(), json("token", code, "remember", "yes"));

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.response().getContentType()).startsWith("application/problem+json");
        assertThat(refused.text("detail")).isEqualTo("`remember` must be true or false");
        assertThat(refused.response().getHeader("Set-Cookie")).isNull();
        assertThat(post("/api/totp/login", password.access(), json("token", code)).status()).isEqualTo(200);
    }

    @Test
    void cookieOfAnotherUserAtThisUsersLoginThenPasswordOnlyTokens() throws Exception {
        String alices = rememberedCookie(enrol());
        User alice = user;
        user = newUser();
        enrol();

        Tokens bob = tokens(loginWith(user.username(), alices));

        assertThat(payload(bob.access()).has("otp_remembered")).isFalse();
        assertThat(get("/api/me", bob.access()).status()).isEqualTo(403);
        assertThat(payload(tokens(loginWith(alice.username(), alices)).access()).get("otp_remembered")
                .booleanValue()).as("still alice's").isTrue();
    }

    @Test
    void cookieWhenExpiredThenPasswordOnlyTokensAndTheRowIsGone() throws Exception {
        String value = rememberedCookie(enrol());

        clock.advance(Duration.ofDays(30).minusSeconds(1));
        assertThat(payload(tokens(loginWith(user.username(), value)).access()).has("otp_remembered")).isTrue();
        clock.advance(Duration.ofSeconds(1));
        Tokens expired = tokens(loginWith(user.username(), value));

        assertThat(payload(expired.access()).has("otp_remembered")).isFalse();
        assertThat(rows(user)).isZero();
    }

    @Test
    void passwordChangedThenTrustedBrowsersEnd() throws Exception {
        String value = rememberedCookie(enrol());

        userService.setPassword(user.id(), PASSWORD);

        assertEnded(value);
    }

    @Test
    void userDeactivatedThenTrustedBrowsersEndEvenAfterReactivation() throws Exception {
        String value = rememberedCookie(enrol());
        User admin = userService.create(new NewUser("su-" + user.username(), "", "", "", true, true), PASSWORD);
        UserAdministration.Actor actor = new UserAdministration.Actor(admin, "192.0.2.1");

        users.update(actor, user.id(), new UserAdministration.Change(user.email(), user.firstName(), user.lastName(),
                false, null, null, null, null, null));
        users.update(actor, user.id(), new UserAdministration.Change(user.email(), user.firstName(), user.lastName(),
                true, null, null, null, null, null));

        assertEnded(value);
    }

    @Test
    void secondFactorResetThroughTheApiThenTrustedBrowsersEnd() throws Exception {
        Enrolled enrolled = enrol();
        String value = rememberedCookie(enrolled);

        assertThat(delete("/api/totp/delete", enrolled.verified().access()).status()).isEqualTo(200);
        // A new device, so that a remembered browser would matter again.
        Tokens password = login();
        Setup setup = createTotp(password.access());
        nextStep();
        tokens(post("/api/totp/login", password.access(), json("token", code(setup.secret()))));

        assertEnded(value);
    }

    @Test
    void lastDeviceRemovedThenTrustedBrowsersEnd() throws Exception {
        String value = rememberedCookie(enrol());
        List<DeviceRef> refs = devices.list(user.id()).stream().map(DeviceSummary::ref).toList();

        devices.remove(user.id(), refs.get(0), null);
        assertThat(rows(user)).as("a device is left").isEqualTo(1);
        for (DeviceRef ref : refs.subList(1, refs.size())) {
            devices.remove(user.id(), ref, null);
        }

        assertThat(rows(user)).isZero();
        Tokens password = login();
        Setup setup = createTotp(password.access());
        nextStep();
        tokens(post("/api/totp/login", password.access(), json("token", code(setup.secret()))));
        assertEnded(value);
    }

    @Test
    void listThenRevokeOneThenRevokeAll() throws Exception {
        Enrolled enrolled = enrol();
        String first = rememberedCookie(enrolled);
        clock.advance(Duration.ofMinutes(1));
        String second = rememberedCookie(enrolled);
        String access = enrolled.verified().access();
        JsonNode list = get("/api/trusted_browsers", access).json();
        assertThat(list.size()).isEqualTo(2);
        long newest = list.get(0).get("id").longValue();
        assertThat(list.get(0).get("expires_at").stringValue()).isEqualTo(clock.instant().plus(Duration.ofDays(30))
                .toString());

        assertThat(delete("/api/trusted_browsers/abc", access).status()).isEqualTo(404);
        Answer notMine = delete("/api/trusted_browsers/" + (newest + 1000), access);
        assertThat(notMine.status()).isEqualTo(404);
        assertThat(notMine.response().getContentType()).startsWith("application/problem+json");
        assertThat(delete("/api/trusted_browsers/" + newest, access).status()).isEqualTo(204);
        assertThat(payload(tokens(loginWith(user.username(), second)).access()).has("otp_remembered")).isFalse();
        assertThat(payload(tokens(loginWith(user.username(), first)).access()).has("otp_remembered")).isTrue();

        Answer all = delete("/api/trusted_browsers", access);
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.json().get("revoked").intValue()).isEqualTo(1);
        assertThat(all.response().getHeader("Set-Cookie")).startsWith(COOKIE + "=;").contains("Max-Age=0");
        assertThat(payload(tokens(loginWith(user.username(), first)).access()).has("otp_remembered")).isFalse();
        assertThat(get("/api/trusted_browsers", login().access()).status()).as("the password alone").isEqualTo(403);
    }

    @Test
    void malformedCookieThenPasswordOnlyTokens() throws Exception {
        enrol();

        Tokens tokens = tokens(loginWith(user.username(), "not a value \u00e9"));

        assertThat(payload(tokens.access()).has("otp_remembered")).isFalse();
    }

    @Test
    void rememberWhenManyThenTheNewestTwentyStayAndExpiredRowsOfAnyAccountGo() throws Exception {
        enrol();
        User first = user;
        String oldest = browsers.remember(first.id(), null, null, clock.instant());
        for (int i = 0; i < TrustedBrowsers.MAX_PER_ACCOUNT; i++) {
            clock.advance(Duration.ofSeconds(1));
            browsers.remember(first.id(), null, null, clock.instant());
        }
        assertThat(rows(first)).isEqualTo(TrustedBrowsers.MAX_PER_ACCOUNT);
        assertThat(browsers.check(first.id(), oldest, clock.instant())).isFalse();

        clock.advance(Duration.ofDays(31));
        user = newUser();
        enrol();
        browsers.remember(user.id(), null, null, clock.instant());

        assertThat(rows(first)).as("expired rows of another account").isZero();
        assertThat(rows(user)).isEqualTo(1);
    }

    private void assertEnded(String value) throws Exception {
        Tokens tokens = tokens(loginWith(user.username(), value));
        assertThat(payload(tokens.access()).has("otp_remembered")).isFalse();
        assertThat(get("/api/me", tokens.access()).status()).isEqualTo(403);
        assertThat(rows(user)).isZero();
    }

    /** A new password login, a code with {@code "remember": true}: the cookie's value. */
    private String rememberedCookie(Enrolled enrolled) throws Exception {
        Tokens password = login();
        nextStep();
        Answer answer = post("/api/totp/login", password.access(),
                json("token", code(enrolled.setup().secret()), "remember", true), CHROME);
        assertThat(answer.status()).as("answer %s", answer.json()).isEqualTo(200);
        return cookieValue(answer.response());
    }

    private Answer loginWith(String username, String cookie) throws Exception {
        return call(MockMvcRequestBuilders.post("/api/token").cookie(new Cookie(COOKIE, cookie)), null,
                json("username", username, "password", PASSWORD));
    }

    private Answer post(String path, String bearer, String body, String userAgent) throws Exception {
        return call(MockMvcRequestBuilders.post(path).header("User-Agent", userAgent), bearer, body);
    }

    private long rows(User user) {
        return count("select count(*) from otpgate_trusted_browser where account_id = ?", user.id());
    }

    private static String cookieValue(MockHttpServletResponse response) {
        String header = response.getHeaders("Set-Cookie").stream().filter(c -> c.startsWith(COOKIE + "="))
                .findFirst().orElseThrow();
        return header.substring(COOKIE.length() + 1, header.indexOf(';'));
    }
}
