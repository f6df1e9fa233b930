package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mock.web.MockHttpSession;

import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;

/** The start page, the user list (search, filters, pages) and the security events (filters, pages). */
class AdminListsTest extends AdminTestBase {

    @Autowired SecurityEvents events;

    @Test
    void theStartPageShowsFiguresAndTheLatestEvents() throws Exception {
        MockHttpSession session = logInStaff();
        Page home = get("/admin/", session);
        assertThat(home.status()).isEqualTo(200);
        assertThat(home.html().select(".figures li").eachText()).hasSize(4).anyMatch(t -> t.endsWith("staff"));
        assertThat(home.html().select("table.events tbody tr").size()).isBetween(1, 10);
        assertThat(home.html().select("table.events").text()).contains("OTP_VERIFIED");
    }

    @Test
    void searchFindsByUsernameEmailAndNameCaseInsensitively() throws Exception {
        String tag = "zq" + System.nanoTime() % 100000;
        User byName = userService.create(new NewUser(tag + "a", "", "Grace", "Hopper" + tag.toUpperCase(), false,
                false), PASSWORD);
        User byEmail = userService.create(new NewUser("other" + tag, "mail-" + tag + "@example.com", "", "", false,
                false), PASSWORD);
        MockHttpSession session = logInStaff();
        assertThat(usernames(get("/admin/users?q=" + tag.toUpperCase(), session)))
                .containsExactlyInAnyOrder(byName.username(), byEmail.username());
        assertThat(usernames(get("/admin/users?q=hopper" + tag, session))).containsExactly(byName.username());
        // Wildcards are searched for as text.
        assertThat(usernames(get("/admin/users?q=%25", session))).isEmpty();
        assertThat(usernames(get("/admin/users?q=_" + tag, session))).isEmpty();
    }

    @Test
    void filtersSelectStaffActiveSecondFactorAndLocked() throws Exception {
        String tag = "fl" + System.nanoTime() % 100000;
        User plain = userService.create(NewUser.named(tag + "plain"), PASSWORD);
        User admin = userService.create(new NewUser(tag + "staff", "", "", "", true, false), PASSWORD);
        User enrolled = userService.create(NewUser.named(tag + "otp"), PASSWORD);
        addTotp(enrolled);
        User locked = userService.create(NewUser.named(tag + "locked"), PASSWORD);
        addTotp(locked);
        jdbc.sql("update otpgate_account set locked_at = ? where id = ?")
                .params(java.sql.Timestamp.from(clock.instant()), locked.id()).update();
        User inactive = userService.create(NewUser.named(tag + "off"), PASSWORD);
        jdbc.sql("update auth_user set is_active = false where id = ?").param(inactive.id()).update();
        MockHttpSession session = logInStaff();
        String q = "/admin/users?q=" + tag;
        assertThat(usernames(get(q, session))).hasSize(5);
        assertThat(usernames(get(q + "&staff=yes", session))).containsExactly(admin.username());
        assertThat(usernames(get(q + "&staff=no", session))).hasSize(4).doesNotContain(admin.username());
        assertThat(usernames(get(q + "&otp=yes", session)))
                .containsExactlyInAnyOrder(enrolled.username(), locked.username());
        assertThat(usernames(get(q + "&otp=no&active=yes", session)))
                .containsExactlyInAnyOrder(plain.username(), admin.username());
        assertThat(usernames(get(q + "&locked=yes", session))).containsExactly(locked.username());
        assertThat(usernames(get(q + "&active=no", session))).containsExactly(inactive.username());
        // The chosen filters stay selected.
        Page filtered = get(q + "&locked=yes&otp=no", session);
        assertThat(filtered.html().select("select[name=locked] option[selected]").val()).isEqualTo("yes");
        assertThat(filtered.html().select("select[name=otp] option[selected]").val()).isEqualTo("no");
        assertThat(filtered.html().select("input[name=q]").val()).isEqualTo(tag);
    }

    @Test
    void theListComesInPagesThatKeepTheFilters() throws Exception {
        String tag = "pg" + System.nanoTime() % 100000;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 27; i++) {
            names.add(userService.create(NewUser.named(tag + String.format("%02d", i)), PASSWORD).username());
        }
        MockHttpSession session = logInStaff();
        Page first = get("/admin/users?q=" + tag + "&active=yes", session);
        assertThat(usernames(first)).containsExactlyElementsOf(names.subList(0, 25));
        assertThat(first.html().select(".count").text()).isEqualTo("27 users");
        String next = first.html().select("a[rel=next]").attr("href");
        assertThat(next).contains("q=" + tag).contains("active=yes").contains("page=2");
        Page second = get(next, session);
        assertThat(usernames(second)).containsExactlyElementsOf(names.subList(25, 27));
        assertThat(second.html().select("a[rel=next]")).isEmpty();
        assertThat(second.html().select("a[rel=prev]").attr("href")).contains("page=1");
        // Beyond the end: the last page.
        assertThat(usernames(get("/admin/users?q=" + tag + "&page=99", session)))
                .containsExactlyElementsOf(names.subList(25, 27));
    }

    @Test
    void anUnknownAddressGetsThePanels404Page() throws Exception {
        MockHttpSession session = logInStaff();
        for (String path : List.of("/admin/nothing-here", "/admin/users/1/nothing", "/admin/static/other")) {
            Page page = get(path, session);
            assertThat(page.status()).as(path).isEqualTo(404);
            assertThat(page.response().getContentType()).as(path).startsWith("text/html");
            assertThat(page.html().select("h1").text()).as(path).isEqualTo("404 Not Found");
        }
        // A known address with a method it does not take: the same page, nothing done.
        Page put = perform(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put("/admin/users")
                .with(org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors
                        .csrf()), session);
        assertThat(put.status()).isEqualTo(404);
        assertThat(put.html().select("h1").text()).isEqualTo("404 Not Found");
    }

    @Test
    void badListParametersGetA400Page() throws Exception {
        MockHttpSession session = logInStaff();
        for (String query : List.of("staff=maybe", "otp=1", "page=x", "q=" + "x".repeat(151))) {
            Page page = get("/admin/users?" + query, session);
            assertThat(page.status()).as(query).isEqualTo(400);
            assertThat(page.html().select("h1").text()).as(query).isEqualTo("400 Bad Request");
            assertThat(page.html().select("header .who").text()).as(query).contains(staff.username());
        }
    }

    @Test
    void namesAreShownAsText() throws Exception {
        String tag = "esc" + System.nanoTime() % 100000;
        userService.create(new NewUser(tag, "", "<script>alert(1)</script>", "<b>bold</b>", false, false),
                PASSWORD);
        MockHttpSession session = logInStaff();
        Page page = get("/admin/users?q=" + tag, session);
        assertThat(page.html().select("#users script, #users b")).isEmpty();
        assertThat(page.html().select("#users tbody td").eachText()).contains("<script>alert(1)</script> <b>bold</b>");
        assertThat(page.body()).contains("&lt;script&gt;alert(1)&lt;/script&gt;");
    }

    @Test
    void eventsAreFilteredByUserKindAndTime() throws Exception {
        User other = newUser("ev", false, false);
        events.record(SecurityEventKind.LOGIN_FAILED, other.id(), null, "198.51.100.7", "wrong password");
        clock.advance(Duration.ofHours(1));
        events.record(SecurityEventKind.ACCOUNT_UNLOCKED, other.id(), null, null, "by an operator");
        MockHttpSession session = logInStaff();
        Page mine = get("/admin/events?user=" + other.username(), session);
        assertThat(kinds(mine)).containsExactly("ACCOUNT_UNLOCKED", "LOGIN_FAILED", "USER_CREATED");
        assertThat(mine.html().select("input[name=user]").val()).isEqualTo(other.username());
        assertThat(kinds(get("/admin/events?user=" + other.username() + "&kind=LOGIN_FAILED", session)))
                .containsExactly("LOGIN_FAILED");
        String from = clock.instant().minus(Duration.ofMinutes(30)).toString().substring(0, 16);
        assertThat(kinds(get("/admin/events?user=" + other.username() + "&from=" + from, session)))
                .containsExactly("ACCOUNT_UNLOCKED");
        assertThat(kinds(get("/admin/events?user=" + other.username() + "&to=" + from, session)))
                .containsExactly("LOGIN_FAILED", "USER_CREATED");
        Page unknown = get("/admin/events?user=nobody-at-all", session);
        assertThat(unknown.status()).isEqualTo(200);
        assertThat(kinds(unknown)).isEmpty();
        assertThat(unknown.html().select(".notice").text()).contains("nobody-at-all");
    }

    @Test
    void eventsComeInPagesWithNoneLostAtTheBorder() throws Exception {
        User busy = newUser("busy", false, false);
        for (int i = 0; i < SecurityEventsController.PAGE + 5; i++) {
            events.record(SecurityEventKind.LOGIN_FAILED, busy.id(), null, null, "attempt " + i);
        }
        MockHttpSession session = logInStaff();
        Page first = get("/admin/events?user=" + busy.username() + "&kind=LOGIN_FAILED", session);
        assertThat(kinds(first)).hasSize(SecurityEventsController.PAGE);
        Page second = get(first.html().select("a[rel=next]").attr("href"), session);
        List<String> details = new ArrayList<>(first.html().select("table.events tbody tr td:last-child").eachText());
        details.addAll(second.html().select("table.events tbody tr td:last-child").eachText());
        assertThat(details).hasSize(SecurityEventsController.PAGE + 5).doesNotHaveDuplicates();
        assertThat(second.html().select("a[rel=next]")).isEmpty();
    }

    @Test
    void badEventParametersGetA400Page() throws Exception {
        MockHttpSession session = logInStaff();
        for (String query : List.of("kind=NOPE", "from=yesterday", "to=2026-13-01T00:00", "before=x")) {
            assertThat(get("/admin/events?" + query, session).status()).as(query).isEqualTo(400);
        }
    }

    private static List<String> usernames(Page page) {
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        return page.html().select("#users tbody td:first-child a").eachText();
    }

    private static List<String> kinds(Page page) {
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        return page.html().select("table.events tbody td code").eachText();
    }
}
