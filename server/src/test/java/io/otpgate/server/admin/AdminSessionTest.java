package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpSession;

/**
 * The session's safety: a new session at login, logout, the idle and absolute timeouts, demotion taking effect at
 * once, CSRF tokens, and the headers of every page.
 */
class AdminSessionTest extends AdminTestBase {

    @Test
    void theLoginStartsANewSessionSoAPlantedOneIsWorthless() throws Exception {
        MockHttpSession planted = anonymousSession();
        MockHttpSession session = logIn(staff, code(staffSecret), planted);
        assertThat(session.getId()).isNotEqualTo(planted.getId());
        assertThat(get("/admin/", planted).status()).isEqualTo(302);
        assertThat(get("/admin/", session).status()).isEqualTo(200);
    }

    @Test
    void logoutEndsTheSession() throws Exception {
        MockHttpSession session = logInStaff();
        Page out = post("/admin/logout", session);
        assertThat(out.status()).isEqualTo(302);
        assertThat(out.location()).isEqualTo("/admin/login?logout=1");
        assertThat(session.isInvalid()).isTrue();
        assertThat(get("/admin/login?logout=1", null).html().select(".notice").text()).isEqualTo("You are logged out.");
    }

    @Test
    void logoutAndLoginNeedTheCsrfToken() throws Exception {
        MockHttpSession session = logInStaff();
        Page out = postWithoutCsrf("/admin/logout", session);
        assertThat(out.status()).isEqualTo(403);
        assertThat(out.response().getForwardedUrl()).isEqualTo("/admin/denied");
        assertThat(get("/admin/", session).status()).isEqualTo(200);

        Page login = postWithoutCsrf("/admin/login", new MockHttpSession(), "username", staff.username(), "password",
                PASSWORD, "code", code(staffSecret));
        assertThat(login.status()).isEqualTo(403);
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'LOGIN_SUCCEEDED'",
                staff.id())).isEqualTo(1);
    }

    @Test
    void theRefusalPageSaysWhatWasWrong() throws Exception {
        Page csrf = perform(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get("/admin/denied")
                .requestAttr(org.springframework.security.web.WebAttributes.ACCESS_DENIED_403,
                        new org.springframework.security.web.csrf.MissingCsrfTokenException("x")), null);
        assertThat(csrf.status()).isEqualTo(403);
        assertThat(csrf.html().select(".error").text()).contains("security token is stale or missing");
        Page other = get("/admin/denied", null);
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.html().select(".error").text()).isEqualTo("You may not do this.");
    }

    @Test
    void anIdleSessionEnds() throws Exception {
        MockHttpSession session = logInStaff();
        clock.advance(Duration.ofMinutes(29));
        assertThat(get("/admin/users", session).status()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(29));
        assertThat(get("/admin/users", session).status()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(30));
        Page expired = get("/admin/users", session);
        assertThat(expired.status()).isEqualTo(303);
        assertThat(expired.location()).isEqualTo("/admin/login?expired=1");
        assertThat(session.isInvalid()).isTrue();
        assertThat(get("/admin/login?expired=1", null).html().select(".notice").text())
                .isEqualTo("Your session ended. Please log in again.");
    }

    @Test
    void aBusySessionEndsTwelveHoursAfterItsLogin() throws Exception {
        MockHttpSession session = logInStaff();
        for (int i = 0; i < 12 * 3 - 1; i++) {
            clock.advance(Duration.ofMinutes(20));
            assertThat(get("/admin/", session).status()).as("after %d min", (i + 1) * 20).isEqualTo(200);
        }
        clock.advance(Duration.ofMinutes(20));
        Page expired = get("/admin/", session);
        assertThat(expired.status()).isEqualTo(303);
        assertThat(expired.location()).isEqualTo("/admin/login?expired=1");
    }

    @Test
    void aDemotedOrDeactivatedUserIsOutOnTheNextRequest() throws Exception {
        MockHttpSession session = logInStaff();
        jdbc.sql("update auth_user set is_staff = false where id = ?").param(staff.id()).update();
        assertThat(get("/admin/", session).status()).isEqualTo(303);

        jdbc.sql("update auth_user set is_staff = true where id = ?").param(staff.id()).update();
        nextStep();
        MockHttpSession second = logInStaff();
        jdbc.sql("update auth_user set is_active = false where id = ?").param(staff.id()).update();
        assertThat(get("/admin/", second).status()).isEqualTo(303);
    }

    @Test
    void aUserWhoseDevicesWereRemovedIsOutOnTheNextRequest() throws Exception {
        MockHttpSession session = logInStaff();
        jdbc.sql("delete from otpgate_totp_device where account_id = ?").param(staff.id()).update();
        Page page = get("/admin/", session);
        assertThat(page.status()).isEqualTo(303);
        assertThat(page.location()).isEqualTo("/admin/login?expired=1");
    }

    @Test
    void everyPageCarriesTheSafetyHeaders() throws Exception {
        MockHttpSession session = logInStaff();
        for (String path : new String[] { "/admin/login", "/admin/", "/admin/users", "/admin/events" }) {
            Page page = get(path, path.equals("/admin/login") ? null : session);
            assertThat(page.status()).as(path).isEqualTo(200);
            String csp = page.header("Content-Security-Policy");
            // Scripts from the panel only (admin.js, for passkeys): never inline, never eval.
            assertThat(csp).as(path).contains("default-src 'none'").contains("frame-ancestors 'none'")
                    .contains("script-src 'self';").doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
            assertThat(page.header("X-Frame-Options")).as(path).isEqualTo("DENY");
            assertThat(page.header("Referrer-Policy")).as(path).isEqualTo("no-referrer");
            assertThat(page.header("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
            assertThat(page.header("Cache-Control")).as(path).contains("no-store");
            assertThat(page.html().select("script:not([src=/admin/static/admin.js]), [style], [onclick], [onload]"))
                    .as(path).isEmpty();
        }
    }

    @Test
    void everyFormHasACsrfToken() throws Exception {
        MockHttpSession session = logInStaff();
        for (String path : new String[] { "/admin/", "/admin/users", "/admin/events" }) {
            var forms = get(path, session).html().select("form[method=post]");
            assertThat(forms).as(path).isNotEmpty();
            forms.forEach(form -> assertThat(form.select("input[name=_csrf]").attr("value")).as(path).isNotBlank());
        }
    }
}
