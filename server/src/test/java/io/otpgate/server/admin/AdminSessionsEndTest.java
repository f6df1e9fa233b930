package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

import io.otpgate.core.OtpSecret;
import io.otpgate.server.user.User;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What ends a user's admin sessions and API tokens from the panel (issue 14): a password set by an admin,
 * deactivation, a second-factor reset, and the "log out everywhere" buttons (the admin's own sessions, a user's).
 * The admin session records the user's session version at login; every later request compares it.
 */
class AdminSessionsEndTest extends AdminTestBase {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A logged-in superuser. */
    private MockHttpSession superuser() throws Exception {
        User su = newUser("su", true, true);
        OtpSecret secret = addTotp(su);
        return logIn(su, code(secret));
    }

    /** Whether the session still reaches the panel (else it was sent to the login page). */
    private boolean alive(MockHttpSession session) throws Exception {
        Page page = get("/admin/", session);
        if (page.status() == 200) {
            return true;
        }
        assertThat(page.status()).isIn(302, 303);
        assertThat(page.location()).contains("/admin/login");
        return false;
    }

    /** A refresh token of the user, from {@code POST /api/token}. */
    private String refreshToken(User user) throws Exception {
        return api("/api/token", "{\"username\":\"" + user.username() + "\",\"password\":\"" + PASSWORD + "\"}")
                .get("refresh").stringValue();
    }

    private int refresh(String token) throws Exception {
        return mvc.perform(MockMvcRequestBuilders.post("/api/token/refresh").contentType(MediaType.APPLICATION_JSON)
                .content("{\"refresh\":\"" + token + "\"}")).andReturn().getResponse().getStatus();
    }

    private JsonNode api(String path, String body) throws Exception {
        String content = mvc.perform(MockMvcRequestBuilders.post(path).contentType(MediaType.APPLICATION_JSON)
                .content(body)).andReturn().getResponse().getContentAsString();
        return JSON.readTree(content);
    }

    private long sessionsEnded(User user) {
        return count("select count(*) from otpgate_security_event where account_id = ? and kind = 'SESSIONS_ENDED'",
                user.id());
    }

    @Test
    void aPasswordSetByAnAdminEndsTheUsersAdminSessionAndRefreshTokens() throws Exception {
        MockHttpSession user = logInStaff();
        String refresh = refreshToken(staff);
        MockHttpSession admin = superuser();

        Page changed = post("/admin/users/" + staff.id() + "/password", admin, "password", "a brand new password",
                "password2", "a brand new password");

        assertThat(changed.status()).as(changed.body()).isEqualTo(302);
        Page form = post("/admin/users/" + staff.id() + "/oauth", user, "serviceName", "svc", "url",
                "https://example.com/", "credentials", "secret");
        assertThat(form.status()).as("the user's session may no longer post forms").isEqualTo(303);
        assertThat(form.location()).contains("/admin/login");
        assertThat(count("select count(*) from user_oauth_profile where user_id = ?", staff.id())).isZero();
        assertThat(refresh(refresh)).isEqualTo(401);
        assertThat(alive(admin)).as("the admin's own session goes on").isTrue();
        assertThat(sessionsEnded(staff)).isEqualTo(1);
    }

    @Test
    void deactivationEndsSessionsForGoodEvenWhenTheUserIsActiveAgain() throws Exception {
        User user = newUser("deact", false, false);
        String refresh = refreshToken(user);
        MockHttpSession admin = logInStaff();
        String[] active = { "email", "", "firstName", "", "lastName", "", "_active", "shown", "_staff", "shown",
            "_superuser", "shown", "phone", "", "powerAccountId", "0", "powerContactId", "0" };

        assertThat(post("/admin/users/" + user.id(), admin, active).status()).isEqualTo(302);
        String[] again = java.util.Arrays.copyOf(active, active.length + 2);
        again[active.length] = "active";
        again[active.length + 1] = "true";
        assertThat(post("/admin/users/" + user.id(), admin, again).status()).isEqualTo(302);

        assertThat(count("select count(*) from auth_user where id = ? and is_active = true", user.id())).isEqualTo(1);
        assertThat(refresh(refresh)).isEqualTo(401);
        assertThat(sessionsEnded(user)).isEqualTo(1);
    }

    @Test
    void logOutEverywhereEndsEveryOwnSession() throws Exception {
        MockHttpSession first = logInStaff();
        nextStep();
        MockHttpSession second = logInStaff();
        String refresh = refreshToken(staff);

        Page ended = post("/admin/sessions/end", first);

        assertThat(ended.status()).isEqualTo(302);
        assertThat(ended.location()).isEqualTo("/admin/login?ended=1");
        assertThat(alive(first)).isFalse();
        assertThat(alive(second)).isFalse();
        assertThat(refresh(refresh)).isEqualTo(401);
        assertThat(sessionsEnded(staff)).isEqualTo(1);
        nextStep();
        assertThat(alive(logInStaff())).as("a new login works").isTrue();
    }

    @Test
    void theLogOutEverywhereButtonIsOnEveryPage() throws Exception {
        MockHttpSession session = logInStaff();

        assertThat(get("/admin/", session).html().select("form[action=/admin/sessions/end] button")).hasSize(1);
    }

    @Test
    void anAdminEndsAUsersSessions() throws Exception {
        User user = newUser("ended", true, false);
        OtpSecret secret = addTotp(user);
        MockHttpSession theirs = logIn(user, code(secret));
        String refresh = refreshToken(user);
        MockHttpSession admin = logInStaff();
        assertThat(get("/admin/users/" + user.id(), admin).html()
                .select("form[action=/admin/users/" + user.id() + "/sessions/end] button")).hasSize(1);

        Page ended = post("/admin/users/" + user.id() + "/sessions/end", admin);

        assertThat(ended.status()).isEqualTo(302);
        assertThat(ended.location()).isEqualTo("/admin/users/" + user.id());
        assertThat(alive(theirs)).isFalse();
        assertThat(refresh(refresh)).isEqualTo(401);
        assertThat(alive(admin)).isTrue();
        assertThat(get("/admin/users/" + user.id(), admin).html().select(".notice").text()).contains("ended");
        assertThat(sessionsEnded(user)).isEqualTo(1);
    }

    @Test
    void aStaffUserMayNotEndASuperusersSessions() throws Exception {
        User su = newUser("su", true, true);
        MockHttpSession admin = logInStaff();

        assertThat(post("/admin/users/" + su.id() + "/sessions/end", admin).status()).isEqualTo(403);
        assertThat(sessionsEnded(su)).isZero();
    }

    @Test
    void endingSessionsNeedsTheCsrfToken() throws Exception {
        User user = newUser("csrf", false, false);
        MockHttpSession admin = logInStaff();

        assertThat(postWithoutCsrf("/admin/users/" + user.id() + "/sessions/end", admin).status()).isEqualTo(403);
        assertThat(postWithoutCsrf("/admin/sessions/end", admin).status()).isEqualTo(403);
        assertThat(sessionsEnded(user)).isZero();
        assertThat(alive(admin)).isTrue();
    }

    @Test
    void aSecondFactorResetByAnAdminEndsTheUsersTokens() throws Exception {
        User user = newUser("reset", false, false);
        addTotp(user);
        String refresh = refreshToken(user);
        MockHttpSession admin = logInStaff();

        Page reset = post("/admin/users/" + user.id() + "/reset", admin);

        assertThat(reset.status()).as(reset.body()).isIn(302, 303);
        assertThat(refresh(refresh)).isEqualTo(401);
        assertThat(sessionsEnded(user)).isEqualTo(1);
    }
}
