package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpSession;

/** Smoke test of the login; the full login tests follow. */
class AdminLoginTest extends AdminTestBase {

    @Test
    void staffLogsInWithPasswordAndCode() throws Exception {
        MockHttpSession session = logInStaff();
        Page home = get("/admin/", session);
        assertThat(home.status()).isEqualTo(200);
        assertThat(home.html().select("header .who").text()).contains(staff.username());
        Page users = get("/admin/users", session);
        assertThat(users.status()).isEqualTo(200);
        assertThat(users.html().select("#users a").eachText()).contains(staff.username());
        Page events = get("/admin/events", session);
        assertThat(events.status()).as(events.body()).isEqualTo(200);
    }
}
