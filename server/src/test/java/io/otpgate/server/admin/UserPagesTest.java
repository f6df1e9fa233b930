package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.test.context.TestPropertySource;

import io.otpgate.core.OtpSecret;
import io.otpgate.server.user.AccountService;
import io.otpgate.server.user.OAuthProfile;
import io.otpgate.server.user.Profile;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserRepository;

/**
 * The user pages: creating, editing, OAuth profiles and passwords, with the privilege rules and refusals. Its own
 * application context, so its own database: the many users it creates would push other tests' users off the first
 * page of the user list.
 */
@TestPropertySource(properties = "otpgate.test.context=user-pages")
class UserPagesTest extends AdminTestBase {

    private static final String NEW_PASSWORD = "a brand new password";

    @Autowired UserRepository users;
    @Autowired AccountService accounts;

    /** A logged-in admin. */
    record Admin(User user, MockHttpSession session) {
    }

    private Admin superuser() throws Exception {
        User su = newUser("su", true, true);
        OtpSecret secret = addTotp(su);
        return new Admin(su, logIn(su, code(secret)));
    }

    private User reload(User user) {
        return users.findById(user.id()).orElseThrow();
    }

    private Profile profile(User user) {
        return users.findProfile(user.id()).orElseThrow();
    }

    private long userRows(String username) {
        return count("select count(*) from auth_user where username = ?", username);
    }

    private static String unique(String prefix) {
        return prefix + System.nanoTime();
    }

    private List<String> changes(User user) {
        return jdbc.sql("select detail from otpgate_security_event where account_id = ? and kind = 'USER_CHANGED' order by id")
                .param(user.id()).query(String.class).list();
    }

    /** The fields of the user form as the page sends them (every box shown), with changes. */
    private static String[] userForm(User u, String... overrides) {
        List<String> fields = new ArrayList<>(List.of("email", u.email(), "firstName", u.firstName(),
                "lastName", u.lastName(), "_active", "shown", "_staff", "shown", "_superuser", "shown", "phone", "",
                "powerAccountId", "0", "powerContactId", "0"));
        if (u.active()) {
            fields.addAll(List.of("active", "true"));
        }
        if (u.staff()) {
            fields.addAll(List.of("staff", "true"));
        }
        if (u.superuser()) {
            fields.addAll(List.of("superuser", "true"));
        }
        for (int i = 0; i < overrides.length; i += 2) {
            int at = fields.indexOf(overrides[i]);
            if (at >= 0 && at % 2 == 0) {
                if (overrides[i + 1] == null) {
                    fields.remove(at);
                    fields.remove(at);
                    continue;
                }
                fields.set(at + 1, overrides[i + 1]);
            } else if (overrides[i + 1] != null) {
                fields.add(overrides[i]);
                fields.add(overrides[i + 1]);
            }
        }
        return fields.toArray(String[]::new);
    }

    // ---- creating ----

    @Test
    void newUserFormShowsTheFieldsAndDisablesFlagsForNonSuperusers() throws Exception {
        MockHttpSession session = logInStaff();
        Document form = get("/admin/users/new", session).html();
        assertThat(form.select("#new-user input[name=username]")).hasSize(1);
        assertThat(form.select("#new-user input[name=password][type=password]")).hasSize(1);
        assertThat(form.select("#new-user input[name=password2][type=password]")).hasSize(1);
        assertThat(form.select("#new-user input[name=staff]").hasAttr("disabled")).isTrue();
        assertThat(form.select("#new-user input[name=superuser]").hasAttr("disabled")).isTrue();
        assertThat(form.select("#new-user input[name=_csrf]")).hasSize(1);

        Document asSuperuser = get("/admin/users/new", superuser().session()).html();
        assertThat(asSuperuser.select("#new-user input[name=staff]").hasAttr("disabled")).isFalse();
        assertThat(asSuperuser.select("#new-user input[name=superuser]").hasAttr("disabled")).isFalse();
    }

    @Test
    void staffCreatesAUser() throws Exception {
        MockHttpSession session = logInStaff();
        String name = unique("new");
        Page created = post("/admin/users/new", session, "username", name, "email", "n@example.com", "firstName",
                "Nora", "lastName", "New", "password", NEW_PASSWORD, "password2", NEW_PASSWORD);
        assertThat(created.status()).as(created.body()).isEqualTo(302);
        User user = userService.require(name);
        assertThat(created.location()).isEqualTo("/admin/users/" + user.id());
        assertThat(user.email()).isEqualTo("n@example.com");
        assertThat(user.firstName()).isEqualTo("Nora");
        assertThat(user.lastName()).isEqualTo("New");
        assertThat(user.active()).isTrue();
        assertThat(user.staff()).isFalse();
        assertThat(user.superuser()).isFalse();
        assertThat(profile(user).email()).isEqualTo("n@example.com");
        assertThat(userService.checkPassword(name, NEW_PASSWORD, null)).isPresent();
        assertThat(changes(user)).singleElement().asString().contains("created").contains(staff.username());

        Page page = get(created.location(), session);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.html().select(".notice").text()).contains(name).contains("created");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "<script>alert(1)</script> | a@example.com | correct horse battery | correct horse battery | Username must",
        "USERNAME                  | not-an-email  | correct horse battery | correct horse battery | Email must be",
        "USERNAME                  | a@example.com | short                 | short                 | at least 8",
        "USERNAME                  | a@example.com | correct horse battery | correct horse batterY | passwords differ",
        "''                        | a@example.com | correct horse battery | correct horse battery | Username must" })
    void invalidNewUsersAreRefusedWithTheFormKept(String username, String email, String password, String repeated,
            String message) throws Exception {
        MockHttpSession session = logInStaff();
        String name = username.equals("USERNAME") ? unique("bad") : username;
        Page refused = post("/admin/users/new", session, "username", name, "email", email, "firstName", "Kept",
                "lastName", "<b>x</b>", "password", password, "password2", repeated);
        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        Document html = refused.html();
        assertThat(html.select(".error").text()).contains(message);
        assertThat(html.select("#username").attr("value")).isEqualTo(name);
        assertThat(html.select("#email").attr("value")).isEqualTo(email);
        assertThat(html.select("#firstName").attr("value")).isEqualTo("Kept");
        assertThat(html.select("#lastName").attr("value")).isEqualTo("<b>x</b>");
        assertThat(html.select("#password").attr("value")).isEmpty();
        assertThat(html.select("#password2").attr("value")).isEmpty();
        assertThat(refused.body()).doesNotContain("<script>alert").doesNotContain("<b>x</b>");
        if (!password.equals("short")) {
            assertThat(refused.body()).doesNotContain(password);
        }
        assertThat(userRows(name)).isZero();
    }

    @Test
    void aTakenUsernameIsRefused() throws Exception {
        MockHttpSession session = logInStaff();
        User taken = newUser("taken", false, false);
        Page refused = post("/admin/users/new", session, "username", taken.username(), "email", "other@example.com",
                "password", NEW_PASSWORD, "password2", NEW_PASSWORD);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.html().select(".error").text()).contains("already exists");
        assertThat(refused.html().select("#email").attr("value")).isEqualTo("other@example.com");
        assertThat(reload(taken).email()).isEmpty();
        assertThat(userService.checkPassword(taken.username(), NEW_PASSWORD, null)).isEmpty();
    }

    @Test
    void onlyASuperuserCreatesStaffOrSuperusers() throws Exception {
        MockHttpSession session = logInStaff();
        for (String flag : List.of("staff", "superuser")) {
            String name = unique("flag");
            Page refused = post("/admin/users/new", session, "username", name, "password", NEW_PASSWORD,
                    "password2", NEW_PASSWORD, "staff", "true", flag, "true");
            assertThat(refused.status()).as(flag).isEqualTo(403);
            assertThat(refused.html().select(".error").text()).contains("Only a superuser");
            assertThat(userRows(name)).isZero();
        }

        Admin su = superuser();
        String name = unique("boss");
        Page created = post("/admin/users/new", su.session(), "username", name, "password", NEW_PASSWORD,
                "password2", NEW_PASSWORD, "staff", "true", "superuser", "true");
        assertThat(created.status()).as(created.body()).isEqualTo(302);
        User boss = userService.require(name);
        assertThat(boss.staff()).isTrue();
        assertThat(boss.superuser()).isTrue();

        String lone = unique("lone");
        Page refused = post("/admin/users/new", su.session(), "username", lone, "password", NEW_PASSWORD,
                "password2", NEW_PASSWORD, "superuser", "true");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.html().select(".error").text()).contains("superuser must also be staff");
        assertThat(refused.html().select("input[name=superuser]").hasAttr("checked")).isTrue();
        assertThat(userRows(lone)).isZero();
    }

    // ---- the user page ----

    @Test
    void theUserPageShowsTheUserAndLinks() throws Exception {
        MockHttpSession session = logInStaff();
        User user = newUser("shown", false, false);
        Page page = get("/admin/users/" + user.id(), session);
        assertThat(page.status()).isEqualTo(200);
        Document html = page.html();
        assertThat(html.select("#username").text()).isEqualTo(user.username());
        assertThat(html.select("#facts").text()).contains("Date joined").contains("never");
        assertThat(html.select("#second-factor").text()).contains("no");
        assertThat(html.select("#devices-link").attr("href")).isEqualTo("/admin/users/" + user.id() + "/devices");
        assertThat(html.select("#events-link").attr("href")).isEqualTo("/admin/events?user=" + user.username());
        assertThat(html.select("#password-link").attr("href")).isEqualTo("/admin/users/" + user.id() + "/password");
        assertThat(html.select("#user-form fieldset").hasAttr("disabled")).isFalse();
        assertThat(html.select("#user-form input[name=staff]").hasAttr("disabled")).isTrue();
        assertThat(html.select("#user-form input[name=_staff]")).isEmpty();
        assertThat(html.select("#user-form input[name=active]").hasAttr("disabled")).isFalse();
        assertThat(html.select("#user-form input[name=_active]")).hasSize(1);
        assertThat(html.select("#oauth-form")).hasSize(1);

        // The staff user's own page: second factor on, own flags not editable.
        Document own = get("/admin/users/" + staff.id(), session).html();
        assertThat(own.select("#second-factor").text()).contains("yes");
        assertThat(own.select("#user-form input[name=active]").hasAttr("disabled")).isTrue();
        assertThat(own.select("#user-form input[name=_active]")).isEmpty();
    }

    @Test
    void staffEditsAUserAndItsProfile() throws Exception {
        MockHttpSession session = logInStaff();
        User user = newUser("edit", false, false);
        Page saved = post("/admin/users/" + user.id(), session, userForm(user, "email", "e@example.com",
                "firstName", " Edith ", "lastName", "Edited", "active", null, "phone", "+41 44 000 00 00",
                "powerAccountId", "1234", "powerContactId", "-5"));
        assertThat(saved.status()).as(saved.body()).isEqualTo(302);
        assertThat(saved.location()).isEqualTo("/admin/users/" + user.id());
        User read = reload(user);
        assertThat(read.email()).isEqualTo("e@example.com");
        assertThat(read.firstName()).isEqualTo("Edith");
        assertThat(read.lastName()).isEqualTo("Edited");
        assertThat(read.active()).isFalse();
        assertThat(read.staff()).isFalse();
        Profile profile = profile(user);
        assertThat(profile.phone()).isEqualTo("+41 44 000 00 00");
        assertThat(profile.powerAccountId()).isEqualTo(1234);
        assertThat(profile.powerContactId()).isEqualTo(-5);
        assertThat(changes(user)).singleElement().asString()
                .contains("email", "first name", "last name", "deactivated", "phone", "power account id",
                        "power contact id", staff.username())
                .doesNotContain("e@example.com", "Edith", "1234");

        Page page = get("/admin/users/" + user.id(), session);
        assertThat(page.html().select(".notice").text()).contains("Saved").contains("deactivated");
        assertThat(page.html().select("#email").attr("value")).isEqualTo("e@example.com");
        assertThat(page.html().select("#phone").attr("value")).isEqualTo("+41 44 000 00 00");
        assertThat(page.html().select("#powerAccountId").attr("value")).isEqualTo("1234");
        assertThat(page.html().select("#user-form input[name=active]").hasAttr("checked")).isFalse();

        // The same form again changes nothing and records nothing.
        Page again = post("/admin/users/" + user.id(), session, userForm(reload(user), "phone", "+41 44 000 00 00",
                "powerAccountId", "1234", "powerContactId", "-5"));
        assertThat(again.status()).isEqualTo(302);
        assertThat(changes(user)).hasSize(1);
        assertThat(get("/admin/users/" + user.id(), session).html().select(".notice").text())
                .contains("Nothing changed");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "email          | not an email | Email must be",
        "powerAccountId | 12x          | power account id must be a whole number",
        "powerContactId | 99999999999  | power contact id must be a whole number",
        "phone          | DIGITS65     | at most 64",
        "lastName       | LETTERS151   | Last name must be at most 150" })
    void invalidValuesAreRefusedAndNothingIsSaved(String field, String typed, String message) throws Exception {
        String value = typed.equals("DIGITS65") ? "1".repeat(65) : typed.equals("LETTERS151") ? "x".repeat(151)
                : typed;
        MockHttpSession session = logInStaff();
        User user = newUser("inval", false, false);
        Page refused = post("/admin/users/" + user.id(), session, userForm(user, "firstName", "Changed", "phone",
                "+1 555", field, value));
        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.html().select(".error").text()).contains(message);
        assertThat(refused.html().select("#" + field).attr("value")).isEqualTo(value);
        assertThat(refused.html().select("#firstName").attr("value")).isEqualTo("Changed");
        assertThat(reload(user)).isEqualTo(user);
        assertThat(profile(user).phone()).isEmpty();
        assertThat(changes(user)).isEmpty();
    }

    @Test
    void aNonSuperuserMayNotChangeStaffOrSuperuserFlags() throws Exception {
        MockHttpSession session = logInStaff();
        User plain = newUser("plain", false, false);
        Page grant = post("/admin/users/" + plain.id(), session, userForm(plain, "staff", "true", "firstName", "X"));
        assertThat(grant.status()).isEqualTo(403);
        assertThat(grant.html().select(".error").text()).contains("Only a superuser");
        assertThat(reload(plain)).isEqualTo(plain);

        User other = newUser("other", true, false);
        Page remove = post("/admin/users/" + other.id(), session, userForm(other, "staff", null));
        assertThat(remove.status()).isEqualTo(403);
        assertThat(reload(other).staff()).isTrue();
        assertThat(changes(other)).isEmpty();

        // The form without the disabled boxes leaves the flags as they are.
        Page kept = post("/admin/users/" + other.id(), session, userForm(other, "staff", null, "_staff", null,
                "_superuser", null, "firstName", "Olga"));
        assertThat(kept.status()).isEqualTo(302);
        assertThat(reload(other).staff()).isTrue();
        assertThat(reload(other).firstName()).isEqualTo("Olga");
    }

    @Test
    void aNonSuperuserMayLookAtButNotChangeASuperuser() throws Exception {
        MockHttpSession session = logInStaff();
        User boss = newUser("boss", true, true);
        OAuthProfile existing = accounts.addOAuthProfile(boss.id(), "github", "https://github.com", "boss-token");

        Page page = get("/admin/users/" + boss.id(), session);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.html().select("#read-only").text()).contains("only a superuser");
        assertThat(page.html().select("#user-form fieldset").hasAttr("disabled")).isTrue();
        assertThat(page.html().select("#password-link")).isEmpty();
        assertThat(page.html().select("#oauth-form")).isEmpty();
        assertThat(page.html().select("#oauth form")).isEmpty();

        Page edit = post("/admin/users/" + boss.id(), session, userForm(boss, "firstName", "Changed"));
        assertThat(edit.status()).isEqualTo(403);
        Page deactivate = post("/admin/users/" + boss.id(), session, userForm(boss, "active", null));
        assertThat(deactivate.status()).isEqualTo(403);
        assertThat(reload(boss)).isEqualTo(boss);

        assertThat(get("/admin/users/" + boss.id() + "/password", session).status()).isEqualTo(403);
        Page password = post("/admin/users/" + boss.id() + "/password", session, "password", NEW_PASSWORD,
                "password2", NEW_PASSWORD);
        assertThat(password.status()).isEqualTo(403);
        assertThat(userService.checkPassword(boss.username(), PASSWORD, null)).isPresent();

        Page add = post("/admin/users/" + boss.id() + "/oauth", session, "serviceName", "gitlab", "url",
                "https://gitlab.com", "credentials", "t");
        assertThat(add.status()).isEqualTo(403);
        Page delete = post("/admin/users/" + boss.id() + "/oauth/" + existing.id() + "/delete", session);
        assertThat(delete.status()).isEqualTo(403);
        assertThat(accounts.oauthProfiles(boss.id())).extracting(OAuthProfile::id).containsExactly(existing.id());
        assertThat(changes(boss)).isEmpty();
    }

    @Test
    void aSuperuserGrantsAndRemovesFlags() throws Exception {
        Admin su = superuser();
        User user = newUser("promo", false, false);
        Page granted = post("/admin/users/" + user.id(), su.session(), userForm(user, "staff", "true", "superuser",
                "true"));
        assertThat(granted.status()).as(granted.body()).isEqualTo(302);
        assertThat(reload(user).staff()).isTrue();
        assertThat(reload(user).superuser()).isTrue();
        assertThat(changes(user)).singleElement().asString().contains("staff granted", "superuser granted",
                su.user().username());

        Page alone = post("/admin/users/" + user.id(), su.session(), userForm(reload(user), "staff", null));
        assertThat(alone.status()).isEqualTo(400);
        assertThat(alone.html().select(".error").text()).contains("superuser must also be staff");
        assertThat(reload(user).staff()).isTrue();

        Page removed = post("/admin/users/" + user.id(), su.session(), userForm(reload(user), "staff", null,
                "superuser", null));
        assertThat(removed.status()).isEqualTo(302);
        assertThat(reload(user).staff()).isFalse();
        assertThat(reload(user).superuser()).isFalse();
        assertThat(changes(user)).last().asString().contains("staff removed", "superuser removed");

        // A superuser changes another superuser's password.
        User other = newUser("other", true, true);
        assertThat(post("/admin/users/" + other.id() + "/password", su.session(), "password", NEW_PASSWORD,
                "password2", NEW_PASSWORD).status()).isEqualTo(302);
        assertThat(userService.checkPassword(other.username(), NEW_PASSWORD, null)).isPresent();
    }

    @Test
    void nobodyRemovesTheirOwnFlags() throws Exception {
        Admin su = superuser();
        User me = reload(su.user());
        for (String flag : List.of("active", "staff", "superuser")) {
            String[] form = flag.equals("staff") ? userForm(me, "staff", null, "superuser", null)
                    : userForm(me, flag, null);
            Page refused = post("/admin/users/" + me.id(), su.session(), form);
            assertThat(refused.status()).as(flag).isEqualTo(409);
            assertThat(refused.html().select(".error").text()).contains("your own");
            assertThat(reload(me)).isEqualTo(me);
        }
        assertThat(changes(me)).isEmpty();

        MockHttpSession session = logInStaff();
        Page inactive = post("/admin/users/" + staff.id(), session, userForm(staff, "active", null));
        assertThat(inactive.status()).isEqualTo(409);
        assertThat(reload(staff).active()).isTrue();
        // Still logged in.
        assertThat(get("/admin/users/" + staff.id(), session).status()).isEqualTo(200);
    }

    // ---- OAuth profiles ----

    @Test
    void oauthProfilesAreAddedListedAndRemovedWithoutShowingCredentials() throws Exception {
        MockHttpSession session = logInStaff();
        User user = newUser("oauth", false, false);
        String credentials = "client-secret-" + System.nanoTime();
        Page added = post("/admin/users/" + user.id() + "/oauth", session, "serviceName", "<i>svc</i>", "url",
                "https://auth.example.com/token", "credentials", credentials);
        assertThat(added.status()).as(added.body()).isEqualTo(302);
        List<OAuthProfile> stored = accounts.oauthProfiles(user.id());
        assertThat(stored).singleElement().satisfies(p -> {
            assertThat(p.serviceName()).isEqualTo("<i>svc</i>");
            assertThat(p.credentials()).isEqualTo(credentials);
        });
        byte[] sealed = jdbc.sql("select sealed_oauth_credentials from user_oauth_profile where user_id = ?")
                .param(user.id()).query((rs, n) -> rs.getBytes(1)).single();
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain(credentials);
        assertThat(new String(sealed, StandardCharsets.UTF_8)).doesNotContain(credentials);
        assertThat(changes(user)).singleElement().asString().contains("OAuth profile", "added")
                .doesNotContain(credentials);

        Page page = get("/admin/users/" + user.id(), session);
        assertThat(page.body()).doesNotContain(credentials).doesNotContain("<i>svc</i>").contains("&lt;i&gt;svc");
        Element row = page.html().select("#oauth tbody tr").first();
        assertThat(row.text()).contains("<i>svc</i>", "https://auth.example.com/token", "stored encrypted");
        assertThat(page.html().select("#oauth i")).isEmpty();
        assertThat(page.html().select("#credentials").text()).isEmpty();

        // Another user's id in the path does not reach it.
        User other = newUser("other", false, false);
        long id = stored.get(0).id();
        assertThat(post("/admin/users/" + other.id() + "/oauth/" + id + "/delete", session).status()).isEqualTo(404);
        assertThat(accounts.oauthProfiles(user.id())).hasSize(1);

        Page deleted = post("/admin/users/" + user.id() + "/oauth/" + id + "/delete", session);
        assertThat(deleted.status()).isEqualTo(302);
        assertThat(accounts.oauthProfiles(user.id())).isEmpty();
        assertThat(changes(user)).last().asString().contains("OAuth profile " + id + " removed");
        assertThat(get("/admin/users/" + user.id(), session).html().select("#oauth").text())
                .contains("No OAuth profile");
        assertThat(post("/admin/users/" + user.id() + "/oauth/" + id + "/delete", session).status()).isEqualTo(404);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "github | ftp://example.com     | secret-value-1 | http or https URL",
        "''     | https://example.com   | secret-value-2 | oauth_service_name` is required",
        "github | https://example.com   | ''             | oauth_credentials` is required" })
    void invalidOAuthProfilesAreRefused(String service, String url, String credentials, String message)
            throws Exception {
        MockHttpSession session = logInStaff();
        User user = newUser("oauthbad", false, false);
        Page refused = post("/admin/users/" + user.id() + "/oauth", session, "serviceName", service, "url", url,
                "credentials", credentials);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.html().select(".error").text()).contains(message);
        assertThat(refused.html().select("#serviceName").attr("value")).isEqualTo(service);
        assertThat(refused.html().select("#url").attr("value")).isEqualTo(url);
        if (!credentials.isEmpty()) {
            assertThat(refused.body()).doesNotContain(credentials);
        }
        assertThat(count("select count(*) from user_oauth_profile where user_id = ?", user.id())).isZero();
    }

    // ---- passwords ----

    @Test
    void staffChangesAUsersPassword() throws Exception {
        MockHttpSession session = logInStaff();
        User user = newUser("pw", false, false);
        Page form = get("/admin/users/" + user.id() + "/password", session);
        assertThat(form.status()).isEqualTo(200);
        assertThat(form.html().select("h1").text()).contains(user.username());
        assertThat(form.html().select("#password-form input[type=password]")).hasSize(2);

        Page changed = post("/admin/users/" + user.id() + "/password", session, "password", NEW_PASSWORD,
                "password2", NEW_PASSWORD);
        assertThat(changed.status()).as(changed.body()).isEqualTo(302);
        assertThat(changed.location()).isEqualTo("/admin/users/" + user.id());
        assertThat(userService.checkPassword(user.username(), PASSWORD, null)).isEmpty();
        assertThat(userService.checkPassword(user.username(), NEW_PASSWORD, null)).isPresent();
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'PASSWORD_CHANGED'",
                user.id())).isEqualTo(1);
        assertThat(get("/admin/users/" + user.id(), session).html().select(".notice").text())
                .contains("password was changed");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "short   | short   | at least 8",
        "''      | ''      | at least 8",
        "long enough password | long enough passworD | passwords differ" })
    void badNewPasswordsAreRefused(String password, String repeated, String message) throws Exception {
        MockHttpSession session = logInStaff();
        User user = newUser("pwbad", false, false);
        Page refused = post("/admin/users/" + user.id() + "/password", session, "password", password, "password2",
                repeated);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.html().select(".error").text()).contains(message);
        assertThat(refused.html().select("#password").attr("value")).isEmpty();
        if (password.length() > 8) {
            assertThat(refused.body()).doesNotContain(password);
        }
        assertThat(userService.checkPassword(user.username(), PASSWORD, null)).isPresent();
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = 'PASSWORD_CHANGED'",
                user.id())).isZero();
    }

    // ---- refusals of the request ----

    @Test
    void everyFormNeedsItsCsrfToken() throws Exception {
        MockHttpSession session = logInStaff();
        User user = newUser("csrf", false, false);
        OAuthProfile oauth = accounts.addOAuthProfile(user.id(), "github", "https://github.com", "token");
        String name = unique("csrfnew");

        Page create = postWithoutCsrf("/admin/users/new", session, "username", name, "password", NEW_PASSWORD,
                "password2", NEW_PASSWORD);
        Page edit = postWithoutCsrf("/admin/users/" + user.id(), session, userForm(user, "firstName", "Changed",
                "active", null));
        Page password = postWithoutCsrf("/admin/users/" + user.id() + "/password", session, "password",
                NEW_PASSWORD, "password2", NEW_PASSWORD);
        Page add = postWithoutCsrf("/admin/users/" + user.id() + "/oauth", session, "serviceName", "gitlab", "url",
                "https://gitlab.com", "credentials", "t");
        Page delete = postWithoutCsrf("/admin/users/" + user.id() + "/oauth/" + oauth.id() + "/delete", session);
        for (Page refused : List.of(create, edit, password, add, delete)) {
            assertThat(refused.status()).isEqualTo(403);
            // The denied page (tested with the login) renders the refusal; MockMvc does not follow the forward.
            assertThat(refused.response().getForwardedUrl()).isEqualTo("/admin/denied");
        }
        assertThat(userRows(name)).isZero();
        assertThat(reload(user)).isEqualTo(user);
        assertThat(userService.checkPassword(user.username(), PASSWORD, null)).isPresent();
        assertThat(accounts.oauthProfiles(user.id())).extracting(OAuthProfile::id).containsExactly(oauth.id());
        assertThat(changes(user)).isEmpty();
    }

    @Test
    void unknownAndMalformedIds() throws Exception {
        MockHttpSession session = logInStaff();
        long unknown = count("select coalesce(max(id), 0) from auth_user") + 1000;
        assertThat(get("/admin/users/" + unknown, session).status()).isEqualTo(404);
        assertThat(get("/admin/users/" + unknown + "/password", session).status()).isEqualTo(404);
        assertThat(post("/admin/users/" + unknown, session, "firstName", "x").status()).isEqualTo(404);
        assertThat(post("/admin/users/" + unknown + "/password", session, "password", NEW_PASSWORD, "password2",
                NEW_PASSWORD).status()).isEqualTo(404);
        assertThat(post("/admin/users/" + unknown + "/oauth", session, "serviceName", "s", "url",
                "https://example.com", "credentials", "c").status()).isEqualTo(404);
        assertThat(count("select count(*) from user_oauth_profile where user_id = ?", unknown)).isZero();

        assertThat(get("/admin/users/abc", session).status()).isEqualTo(400);
        assertThat(get("/admin/users/abc/password", session).status()).isEqualTo(400);
        assertThat(post("/admin/users/abc", session, "firstName", "x").status()).isEqualTo(400);
        assertThat(post("/admin/users/" + staff.id() + "/oauth/abc/delete", session).status()).isEqualTo(400);
    }

    @Test
    void namesAreShownAsText() throws Exception {
        MockHttpSession session = logInStaff();
        User user = newUser("esc", false, false);
        Page saved = post("/admin/users/" + user.id(), session, userForm(user, "firstName", "<b>x</b>",
                "lastName", "\"><script>alert(1)</script>", "email", "a<b>@example.com"));
        assertThat(saved.status()).as(saved.body()).isEqualTo(302);
        assertThat(reload(user).firstName()).isEqualTo("<b>x</b>");

        Page page = get("/admin/users/" + user.id(), session);
        assertThat(page.body()).contains("&lt;b&gt;x&lt;/b&gt;").doesNotContain("<b>x</b>")
                .doesNotContain("<script>alert(1)");
        Document html = page.html();
        assertThat(html.select("main b")).isEmpty();
        assertThat(html.select("script")).isEmpty();
        assertThat(html.select("#firstName").attr("value")).isEqualTo("<b>x</b>");
        assertThat(html.select("#lastName").attr("value")).isEqualTo("\"><script>alert(1)</script>");

        Page list = get("/admin/users?q=" + user.username(), session);
        assertThat(list.body()).contains("&lt;b&gt;x&lt;/b&gt;").doesNotContain("<b>x</b>");
    }

    @Test
    void theUserPagesNeedALogin() throws Exception {
        User user = newUser("anon", false, false);
        for (String path : List.of("/admin/users/new", "/admin/users/" + user.id(),
                "/admin/users/" + user.id() + "/password")) {
            Page page = get(path, null);
            assertThat(page.status()).as(path).isEqualTo(302);
            assertThat(page.location()).as(path).endsWith("/admin/login");
        }
        Page post = post("/admin/users/" + user.id(), null, userForm(user, "firstName", "Changed"));
        assertThat(post.status()).isEqualTo(302);
        assertThat(post.location()).endsWith("/admin/login");
        assertThat(reload(user)).isEqualTo(user);
    }
}
