package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.List;

import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mock.web.MockHttpSession;

import io.otpgate.core.Hotp;
import io.otpgate.core.OtpSecret;
import io.otpgate.spring.recovery.RecoveryCodeService;
import io.otpgate.spring.hotp.HotpDeviceRepository;
import io.otpgate.server.system.StoredSession;
import io.otpgate.server.user.User;

/**
 * The login form: username, password and one-time code together (django-otp's {@code OTPAuthenticationForm}). Only
 * an active staff user with a device gets in, after the code verified; every other case gets the one refusal.
 */
class AdminLoginTest extends AdminTestBase {

    @Autowired RecoveryCodeService recoveryCodes;
    @Autowired HotpDeviceRepository hotpDevices;

    @Test
    void loginPageHasTheThreeFieldsAndATokenAndNoInlineScript() throws Exception {
        Page page = get("/admin/login", null);
        assertThat(page.status()).isEqualTo(200);
        Document html = page.html();
        assertThat(html.select("form[action=/admin/login] input").eachAttr("name"))
                .containsExactlyInAnyOrder("_csrf", "username", "password", "code");
        assertThat(html.select("input[name=_csrf]").attr("value")).isNotBlank();
        // Only the passkey script, served by the panel (the form works without it).
        assertThat(html.select("script").eachAttr("src")).containsExactly("/admin/static/admin.js");
        assertThat(html.title()).isEqualTo("Log in | otpgate administration");
        assertThat(html.select("link[rel=stylesheet]").attr("href")).isEqualTo("/admin/static/admin.css");
    }

    @Test
    void theStylesheetIsServedWithoutLogin() throws Exception {
        Page css = get("/admin/static/admin.css", null);
        assertThat(css.status()).isEqualTo(200);
        assertThat(css.response().getContentType()).startsWith("text/css");
        assertThat(css.body()).contains(".top");
        assertThat(css.header("Cache-Control")).isEqualTo("max-age=3600");
    }

    @Test
    void staffLogsInWithPasswordAndTotpCodeAndSeesThePages() throws Exception {
        MockHttpSession session = logInStaff();
        Page home = get("/admin/", session);
        assertThat(home.status()).isEqualTo(200);
        assertThat(home.html().select("header .who").text()).contains(staff.username());
        assertThat(get("/admin", session).status()).isEqualTo(200);
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'OTP_VERIFIED'",
                staff.id())).isEqualTo(1);
        // Logged in, the login page sends you on.
        Page login = get("/admin/login", session);
        assertThat(login.status()).isEqualTo(302);
        assertThat(login.location()).isEqualTo("/admin/");
    }

    /** Wrong codes after the right password since the last login are told on the first page, once. */
    @Test
    void loginAfterWrongCodesSinceTheLastOneThenTheHomePageSaysHowMany() throws Exception {
        logInStaff();
        nextStep();
        assertThat(post("/admin/login", null, "username", staff.username(), "password", PASSWORD, "code",
                "000000".equals(code(staffSecret)) ? "111111" : "000000").status()).isEqualTo(401);
        clock.advance(java.time.Duration.ofMinutes(20));
        nextStep();

        MockHttpSession session = logInStaff();

        Page home = get("/admin/", session);
        assertThat(home.html().select("p.notice").text())
                .startsWith("1 wrong code was tried on your account since your last login");
        assertThat(get("/admin/", session).html().select("p.notice")).as("told once").isEmpty();
    }

    @Test
    void anyPageWithoutLoginRedirectsToTheLoginPage() throws Exception {
        for (String path : List.of("/admin/", "/admin", "/admin/users", "/admin/events", "/admin/account",
                "/admin/users/1", "/admin/nothing-here")) {
            Page page = get(path, null);
            assertThat(page.status()).as(path).isEqualTo(302);
            assertThat(page.location()).as(path).endsWith("/admin/login");
        }
    }

    @Test
    void aRecoveryCodeLogsInOnce() throws Exception {
        List<String> codes = recoveryCodes.replace(staff.id(), 3, null).codes();
        logIn(staff, codes.get(1));
        Page again = post("/admin/login", new MockHttpSession(), "username", staff.username(), "password", PASSWORD,
                "code", codes.get(1));
        assertRefused(again, 401);
        // The replay counted as a failure on each device: wait out its throttle.
        clock.advance(java.time.Duration.ofSeconds(2));
        logIn(staff, codes.get(2));
    }

    @Test
    void anHotpCodeLogsIn() throws Exception {
        User user = newUser("hotp", true, false);
        OtpSecret secret = OtpSecret.generate(20, new SecureRandom());
        hotpDevices.insert(user.id(), "token", true, secret, Hotp.defaults(), 5, 0, clock.instant());
        logIn(user, Hotp.defaults().generate(secret, 0));
    }

    @Test
    void aCodeIsAcceptedOnce() throws Exception {
        String code = code(staffSecret);
        logIn(staff, code);
        assertRefused(post("/admin/login", new MockHttpSession(), "username", staff.username(), "password",
                PASSWORD, "code", code), 401);
    }

    @Test
    void wrongPasswordWrongCodeAndMissingCodeGetTheSameRefusal() throws Exception {
        String code = code(staffSecret);
        Page wrongPassword = post("/admin/login", new MockHttpSession(), "username", staff.username(), "password",
                "wrong", "code", code);
        assertRefused(wrongPassword, 401);
        Page missingCode = post("/admin/login", new MockHttpSession(), "username", staff.username(), "password",
                PASSWORD, "code", "");
        assertRefused(missingCode, 401);
        Page noCodeField = post("/admin/login", new MockHttpSession(), "username", staff.username(), "password",
                PASSWORD);
        assertRefused(noCodeField, 401);
        // No code was checked so far: the device counts no failure, and the code still works.
        assertThat(count("select throttling_failure_count from otpgate_totp_device where account_id = ?", staff.id()))
                .isZero();
        Page wrongCode = post("/admin/login", new MockHttpSession(), "username", staff.username(), "password",
                PASSWORD, "code", "000000".equals(code) ? "111111" : "000000");
        assertRefused(wrongCode, 401);
        assertThat(text(wrongPassword)).isEqualTo(text(missingCode)).isEqualTo(text(wrongCode));
        assertThat(wrongCode.html().select("#retry-after").text()).matches("Try again in \\d+ seconds?\\.");
        assertThat(wrongCode.header("Retry-After")).isNotBlank();
        // The username stays in the form; the password and code do not.
        assertThat(wrongCode.html().select("#username").attr("value")).isEqualTo(staff.username());
        assertThat(wrongCode.body()).doesNotContain(PASSWORD);
    }

    /**
     * Found by AdminPagesFuzzTest: the right password with a wrong or missing code, or a non-staff user, recorded a
     * last login and LOGIN_SUCCEEDED for a login that was refused.
     */
    @Test
    void refusedLoginWithTheRightPasswordRecordsNoLogin() throws Exception {
        User nonStaff = newUser("plain", false, false);
        String code = code(staffSecret);
        assertRefused(post("/admin/login", new MockHttpSession(), "username", staff.username(), "password", PASSWORD,
                "code", "000000".equals(code) ? "111111" : "000000"), 401);
        assertRefused(post("/admin/login", new MockHttpSession(), "username", staff.username(), "password", PASSWORD,
                "code", ""), 401);
        assertRefused(post("/admin/login", new MockHttpSession(), "username", nonStaff.username(), "password",
                PASSWORD, "code", code), 401);

        for (User user : List.of(staff, nonStaff)) {
            assertThat(userService.find(user.username()).orElseThrow().lastLogin()).as(user.username()).isNull();
            assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'LOGIN_SUCCEEDED'",
                    user.id())).as(user.username()).isZero();
        }

        nextStep();
        logIn(staff, code(staffSecret));
        assertThat(userService.find(staff.username()).orElseThrow().lastLogin()).isEqualTo(clock.instant());
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'LOGIN_SUCCEEDED'",
                staff.id())).isOne();
    }

    @Test
    void unknownUserInactiveStaffAndNonStaffGetTheSameRefusal() throws Exception {
        Page unknown = post("/admin/login", new MockHttpSession(), "username", "nobody-here", "password", PASSWORD,
                "code", "123456");
        assertRefused(unknown, 401);

        User plain = newUser("plain", false, false);
        OtpSecret plainSecret = addTotp(plain);
        Page notStaff = post("/admin/login", new MockHttpSession(), "username", plain.username(), "password",
                PASSWORD, "code", code(plainSecret));
        assertRefused(notStaff, 401);
        // A non-staff user's code is not even checked.
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind like 'OTP_%'", plain.id()))
                .isZero();

        jdbc.sql("update auth_user set is_active = false where id = ?").param(staff.id()).update();
        Page inactive = post("/admin/login", new MockHttpSession(), "username", staff.username(), "password",
                PASSWORD, "code", code(staffSecret));
        assertRefused(inactive, 401);
        assertThat(text(unknown)).isEqualTo(text(notStaff)).isEqualTo(text(inactive));
    }

    @Test
    void staffWithoutDeviceIsToldHowAnOperatorEnrolsOne() throws Exception {
        User bare = newUser("bare", true, false);
        Page page = post("/admin/login", new MockHttpSession(), "username", bare.username(), "password", PASSWORD,
                "code", "123456");
        assertRefused(page, 401);
        assertThat(page.html().select("#login-error").text())
                .contains("otpgate add-otp-device " + bare.username());
    }

    @Test
    void anUnconfirmedDeviceDoesNotCount() throws Exception {
        User pending = newUser("pending", true, false);
        OtpSecret secret = enrolment.enrol(pending, "phone", false, null).uri().secret();
        Page page = post("/admin/login", new MockHttpSession(), "username", pending.username(), "password",
                PASSWORD, "code", code(secret));
        assertRefused(page, 401);
        assertThat(page.html().select("#login-error").text()).contains("add-otp-device");
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ? and confirmed", pending.id())).isZero();
    }

    @Test
    void aCodeDuringTheDeviceThrottleIsNotCheckedAndThePageSaysWhenToTryAgain() throws Exception {
        post("/admin/login", new MockHttpSession(), "username", staff.username(), "password", PASSWORD, "code",
                wrongCode());
        Page throttled = post("/admin/login", new MockHttpSession(), "username", staff.username(), "password",
                PASSWORD, "code", code(staffSecret));
        assertThat(throttled.status()).isEqualTo(429);
        assertThat(throttled.header("Retry-After")).isEqualTo("1");
        assertThat(throttled.html().select("#retry-after").text()).isEqualTo("Try again in 1 second.");
        nextStep();
        logIn(staff, code(staffSecret));
    }

    @Test
    void passwordGuessingIsSlowedLikeTheApi() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertRefused(post("/admin/login", new MockHttpSession(), "username", staff.username(), "password",
                    "guess" + i, "code", "123456"), 401);
        }
        assertRefused(post("/admin/login", new MockHttpSession(), "username", staff.username(), "password",
                "guess3", "code", "123456"), 401);
        // Four failures: the next attempt waits, even with the right password and code, and nothing is checked.
        Page waiting = post("/admin/login", new MockHttpSession(), "username", staff.username(), "password",
                PASSWORD, "code", code(staffSecret));
        assertThat(waiting.status()).isEqualTo(429);
        assertThat(Long.parseLong(waiting.header("Retry-After"))).isPositive();
        assertThat(waiting.html().select("#login-error").text()).contains("Too many failed logins");
        clock.advance(java.time.Duration.ofSeconds(2));
        logIn(staff, code(staffSecret));
    }

    @Test
    void aLockedAccountIsRefusedWithTheOperatorsCommand() throws Exception {
        jdbc.sql("update otpgate_account set locked_at = ?, failure_count = 100 where id = ?")
                .params(java.sql.Timestamp.from(clock.instant()), staff.id()).update();
        Page page = post("/admin/login", new MockHttpSession(), "username", staff.username(), "password", PASSWORD,
                "code", code(staffSecret));
        assertThat(page.status()).isEqualTo(429);
        assertThat(page.html().select("#login-error").text()).contains("locked")
                .contains("otpgate unlock " + staff.username());
    }

    @Test
    void overlongFieldsAreRefusedUnchecked() throws Exception {
        Page page = post("/admin/login", new MockHttpSession(), "username", staff.username(), "password",
                "x".repeat(5000), "code", code(staffSecret));
        assertRefused(page, 401);
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'LOGIN_FAILED'",
                staff.id())).isZero();
    }

    @Test
    void aTypedUsernameIsShownAsText() throws Exception {
        Page page = post("/admin/login", new MockHttpSession(), "username", "<script>alert(1)</script>",
                "password", "x", "code", "1");
        assertRefused(page, 401);
        assertThat(page.html().select("script").eachAttr("src")).containsExactly("/admin/static/admin.js");
        assertThat(page.html().select("#username").attr("value")).isEqualTo("<script>alert(1)</script>");
        assertThat(page.body()).doesNotContain("<script>alert(1)");
    }

    private String wrongCode() {
        String right = code(staffSecret);
        return right.equals("000000") ? "111111" : "000000";
    }

    private static String text(Page page) {
        return page.html().select("#login-error > p").first().text();
    }

    private static void assertRefused(Page page, int status) {
        assertThat(page.status()).as(page.body()).isEqualTo(status);
        assertThat(page.html().select("#login-error").text()).contains(AdminLogin.REFUSED);
        assertThat(page.response().getCookie(StoredSession.COOKIE)).isNull();
    }
}
