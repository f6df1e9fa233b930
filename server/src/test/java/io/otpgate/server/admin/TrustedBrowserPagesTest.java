package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;

import java.time.Duration;
import java.util.List;

import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

import io.otpgate.server.user.User;
import io.otpgate.spring.trust.TrustedBrowsers;
import jakarta.servlet.http.Cookie;

/**
 * Trusted browsers in the admin panel: the devices page lists a user's (description, dates) and revokes one or all;
 * a staff user may not revoke a superuser's; and the admin login never takes a trusted browser for a code.
 */
class TrustedBrowserPagesTest extends AdminTestBase {

    private static final String FIREFOX = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:140.0) Gecko/20100101 "
            + "Firefox/140.0";

    @Autowired TrustedBrowsers browsers;

    @Test
    void devicesPageListsTrustedBrowsersThenRevokeOneThenAll() throws Exception {
        User target = newUser("target", false, false);
        addTotp(target);
        String first = browsers.remember(target.id(), FIREFOX, null, clock.instant());
        clock.advance(Duration.ofMinutes(1));
        String second = browsers.remember(target.id(), null, null, clock.instant());
        MockHttpSession session = logInStaff();

        Document html = get(devicesPath(target), session).html();
        List<String> rows = html.select("#trusted-browsers tbody tr[id]").eachAttr("id");
        assertThat(rows).hasSize(2);
        assertThat(html.select("#trusted-browsers tbody tr td:eq(0)").eachText())
                .containsExactly("Unknown browser", "Firefox on macOS");
        assertThat(html.select("#trusted-browsers tbody tr:eq(0) td:eq(3) time").attr("datetime"))
                .isEqualTo(clock.instant().plus(Duration.ofDays(30)).toString());
        assertThat(html.select("#revoke-trusted-browsers")).hasSize(1);

        String newest = rows.get(0).substring("trusted-browser-".length());
        Page revoked = post(devicesPath(target).replace("/devices", "/trusted-browsers/" + newest + "/revoke"),
                session);
        assertThat(revoked.status()).isEqualTo(302);
        assertThat(browsers.check(target.id(), second, clock.instant())).isFalse();
        assertThat(browsers.check(target.id(), first, clock.instant())).isTrue();
        assertThat(post("/admin/users/" + target.id() + "/trusted-browsers/" + newest + "/revoke", session)
                .status()).as("revoked already").isEqualTo(404);
        assertThat(post("/admin/users/" + target.id() + "/trusted-browsers/x/revoke", session).status())
                .isBetween(400, 499);

        Page all = post("/admin/users/" + target.id() + "/trusted-browsers/revoke", session);
        assertThat(all.status()).isEqualTo(302);
        assertThat(browsers.check(target.id(), first, clock.instant())).isFalse();
        Document after = get(devicesPath(target), session).html();
        assertThat(after.select("#trusted-browsers tbody tr[id]")).isEmpty();
        assertThat(after.select("#revoke-trusted-browsers")).isEmpty();
    }

    @Test
    void staffMayNotRevokeASuperusersTrustedBrowsers() throws Exception {
        User superuser = newUser("root", true, true);
        addTotp(superuser);
        String value = browsers.remember(superuser.id(), FIREFOX, null, clock.instant());
        long id = browsers.list(superuser.id(), clock.instant()).get(0).id();
        MockHttpSession session = logInStaff();

        assertThat(post("/admin/users/" + superuser.id() + "/trusted-browsers/" + id + "/revoke", session).status())
                .isEqualTo(403);
        assertThat(post("/admin/users/" + superuser.id() + "/trusted-browsers/revoke", session).status())
                .isEqualTo(403);

        assertThat(browsers.check(superuser.id(), value, clock.instant())).isTrue();
    }

    /** Staff always type a code: a valid trusted-browser cookie of theirs does not stand in for it. */
    @Test
    void adminLoginWithATrustedBrowserCookieStillNeedsACode() throws Exception {
        String value = browsers.remember(staff.id(), FIREFOX, null, clock.instant());

        Page refused = perform(MockMvcRequestBuilders.post("/admin/login").with(csrf())
                .cookie(new Cookie("otpgate_trusted_browser", value)).param("username", staff.username())
                .param("password", PASSWORD).param("code", ""), anonymousSession());

        assertThat(refused.status()).isEqualTo(401);
        assertThat(browsers.check(staff.id(), value, clock.instant())).as("still valid for the API").isTrue();
    }

    private static String devicesPath(User user) {
        return "/admin/users/" + user.id() + "/devices";
    }
}
