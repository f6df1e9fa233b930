package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;

import java.time.Duration;
import java.util.List;

import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.session.Session;
import org.springframework.session.SessionRepository;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

import io.otpgate.server.system.StoredSession;
import io.otpgate.server.user.User;
import io.otpgate.spring.webauthn.PasskeyOptions;
import io.otpgate.spring.webauthn.PasskeyRegistration;
import io.otpgate.spring.webauthn.RegistrationOutcome;
import io.otpgate.spring.webauthn.WebAuthnRefusal;
import io.otpgate.webauthn.TestAuthenticator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Passkeys in the admin panel through MockMvc, with a software authenticator: "Add a passkey" on one's own device
 * page, the device pages' list and removal, and the login with username, password and a passkey instead of the code
 * (its refusals are the code login's, and nothing about a passkey is said before the password matched).
 */
class AdminPasskeyTest extends AdminTestBase {

    /** The origin the pages are served from in these tests (allowed by default: rp id localhost). */
    static final String ORIGIN = "http://localhost";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired PasskeyRegistration registration;

    // ---- the pages: script, policy, "Add a passkey", the list, removal

    @Test
    void loginPageOffersAPasskeyHiddenUntilItsScriptRunsAndHasNoInlineScript() throws Exception {
        Page page = get("/admin/login", null);
        Document html = page.html();
        assertThat(html.select("#passkey-login").hasAttr("hidden")).isTrue();
        assertThat(html.select("#passkey-login #use-passkey").attr("type")).isEqualTo("button");
        assertThat(html.select("script").eachAttr("src")).containsExactly("/admin/static/admin.js");
        assertThat(html.select("script").first().data()).isEmpty();
        // The code field stays: the page works without the script.
        assertThat(html.select("form[action=/admin/login] input[name=code]")).hasSize(1);
        String policy = page.header("Content-Security-Policy");
        assertThat(policy).contains("script-src 'self'", "connect-src 'self'").doesNotContain("unsafe-inline")
                .doesNotContain("unsafe-eval");
    }

    @Test
    void theScriptIsServedWithoutLogin() throws Exception {
        Page script = get("/admin/static/admin.js", null);
        assertThat(script.status()).isEqualTo(200);
        assertThat(script.response().getContentType()).startsWith("text/javascript");
        assertThat(script.body()).contains("/admin/login/passkey/options", "navigator.credentials.get",
                "navigator.credentials.create");
        assertThat(script.header("Cache-Control")).isEqualTo("max-age=3600");
    }

    @Test
    void staffAddsAPasskeyOnTheirAccountPageAndBothDevicePagesListIt() throws Exception {
        MockHttpSession session = logInStaff();
        Page account = get("/admin/account", session);
        assertThat(account.html().select("form#add-passkey").attr("action")).isEqualTo("/admin/account/passkeys");
        assertThat(account.html().select("#passkeys td.empty").text()).isEqualTo("No passkeys.");
        TestAuthenticator authenticator = new TestAuthenticator();
        authenticator.userVerified = true;
        authenticator.backedUp = false;

        Page options = post(PasskeyPagesController.OPTIONS, session);
        assertThat(options.status()).as(options.body()).isEqualTo(200);
        JsonNode creation = json(options);
        assertThat(creation.path("rp").path("id").asString()).isEqualTo("localhost");
        assertThat(creation.path("user").path("name").asString()).isEqualTo(staff.username());
        assertThat(creation.path("attestation").asString()).isEqualTo("none");
        Page added = post(PasskeyPagesController.ADD, session, "name", "Laptop <b>", "credential",
                authenticator.register(creation.path("challenge").asString(), "localhost", ORIGIN));
        assertThat(added.status()).as(added.body()).isEqualTo(200);
        assertThat(json(added).path("redirect").asString()).isEqualTo("/admin/account");

        Page listed = get("/admin/account", session);
        assertThat(listed.html().select("p.notice").text()).contains("The passkey \u201cLaptop <b>\u201d was added");
        long id = passkeyId(staff);
        Element row = listed.html().selectFirst("#passkey-" + id);
        assertThat(row).as(listed.body()).isNotNull();
        assertThat(row.select("td").get(0).text()).isEqualTo("Laptop <b>");
        assertThat(row.select("td.uv").text()).isEqualTo("yes");
        assertThat(row.select("td.synced").text()).isEqualTo("no");
        assertThat(row.select("time").size()).as("created, never used").isEqualTo(1);
        assertThat(row.select("form.delete").attr("action"))
                .isEqualTo("/admin/users/" + staff.id() + "/devices/webauthn/" + id + "/delete");
        // Listed once, in its own table, not among the code devices.
        assertThat(listed.html().select("#devices").text()).doesNotContain("Laptop");

        User other = newUser("viewer", true, true);
        MockHttpSession viewer = logIn(other, code(addTotp(other)));
        Page devices = get("/admin/users/" + staff.id() + "/devices", viewer);
        assertThat(devices.html().select("#passkey-" + id + " td").get(0).text()).isEqualTo("Laptop <b>");
        assertThat(devices.html().select("form#add-passkey")).as("only on one's own page").isEmpty();
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = "
                + "'DEVICE_ADDED' and device = ?", staff.id(), "webauthn/" + id)).isOne();
    }

    @Test
    void addingAPasskeyWithoutTheCsrfTokenIsRefusedAndIssuesNothing() throws Exception {
        MockHttpSession session = logInStaff();
        Page options = postWithoutCsrf(PasskeyPagesController.OPTIONS, session);
        Page add = postWithoutCsrf(PasskeyPagesController.ADD, session, "name", "x", "credential", "{}");
        assertThat(options.status()).isEqualTo(403);
        assertThat(add.status()).isEqualTo(403);
        assertThat(count("select count(*) from otpgate_webauthn_challenge where account_id = ?", staff.id())).isZero();
        // And without a session, the login page.
        Page anonymous = post(PasskeyPagesController.OPTIONS, null);
        assertThat(anonymous.status()).isEqualTo(302);
        assertThat(anonymous.location()).endsWith("/admin/login");
    }

    @Test
    void aPasskeyMadeOnAnotherSiteOrMalformedIsRefusedAndNothingIsStored() throws Exception {
        MockHttpSession session = logInStaff();
        TestAuthenticator authenticator = new TestAuthenticator();
        String challenge = json(post(PasskeyPagesController.OPTIONS, session)).path("challenge").asString();
        Page phished = post(PasskeyPagesController.ADD, session, "name", "x", "credential",
                authenticator.register(challenge, "localhost", "https://evil.example"));
        Page malformed = post(PasskeyPagesController.ADD, session, "name", "x", "credential", "{\"id\":");
        Page longName = post(PasskeyPagesController.ADD, session, "name", "n".repeat(65), "credential", "{}");

        assertThat(phished.status()).isEqualTo(400);
        assertThat(json(phished).path("error").asString()).isEqualTo(WebAuthnRefusal.ORIGIN_NOT_ALLOWED.message());
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(json(malformed).path("error").asString()).isEqualTo(WebAuthnRefusal.MALFORMED.message());
        assertThat(longName.status()).isEqualTo(400);
        assertThat(json(longName).path("error").asString()).startsWith("name must be 1..64 characters");
        assertThat(count("select count(*) from otpgate_webauthn_device where account_id = ?", staff.id())).isZero();
    }

    @Test
    void aPasskeyIsRemovedThroughTheDevicesDeleteRoute() throws Exception {
        addPasskey(staff);
        long id = passkeyId(staff);
        User operator = newUser("operator", true, true);
        MockHttpSession session = logIn(operator, code(addTotp(operator)));

        Page removed = post("/admin/users/" + staff.id() + "/devices/webauthn/" + id + "/delete", session);

        assertThat(removed.status()).isEqualTo(302);
        assertThat(removed.location()).isEqualTo("/admin/users/" + staff.id() + "/devices");
        Page after = get(removed.location(), session);
        assertThat(after.html().select("p.notice").text()).isEqualTo("The device \u201cLaptop\u201d was removed.");
        assertThat(after.html().select("#passkey-" + id)).isEmpty();
        assertThat(count("select count(*) from otpgate_webauthn_device where account_id = ?", staff.id())).isZero();
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = "
                + "'DEVICE_REMOVED' and device = ?", staff.id(), "webauthn/" + id)).isOne();
        // Another user's passkey through this user's address: not found, nothing removed.
        addPasskey(staff);
        long again = passkeyId(staff);
        assertThat(post("/admin/users/" + operator.id() + "/devices/webauthn/" + again + "/delete", session).status())
                .isEqualTo(404);
        assertThat(count("select count(*) from otpgate_webauthn_device where account_id = ?", staff.id())).isOne();
    }

    // ---- the login

    @Test
    void passkeyLoginEndsInTheSameSessionAsACodeLoginWithTheWebAuthnFactor() throws Exception {
        TestAuthenticator authenticator = addPasskey(staff);
        MockHttpSession before = anonymousSession();

        Page options = passkeyOptions(before, staff.username(), PASSWORD);
        assertThat(options.status()).as(options.body()).isEqualTo(200);
        JsonNode request = json(options);
        assertThat(request.path("rpId").asString()).isEqualTo("localhost");
        assertThat(request.path("allowCredentials").get(0).path("id").asString()).isEqualTo(authenticator.id());
        assertThat(options.header("Cache-Control")).isEqualTo("no-store");
        // The password step alone is no login.
        assertThat(get("/admin/", before).status()).isEqualTo(302);
        assertThat(userService.find(staff.username()).orElseThrow().lastLogin()).isNull();

        Page login = passkeyLogin(before, authenticator.authenticate(request.path("challenge").asString(),
                "localhost", ORIGIN, null));

        assertThat(login.status()).as(login.body()).isEqualTo(200);
        assertThat(json(login).path("redirect").asString()).isEqualTo("/admin/");
        MockHttpSession session = StoredSession.from(login.response(), sessions);
        assertThat(session).isNotNull();
        assertThat(session.getId()).isNotEqualTo(before.getId());
        assertThat(before.isInvalid()).isTrue();
        Page home = get("/admin/", session);
        assertThat(home.status()).isEqualTo(200);
        assertThat(home.html().select("header .who").text()).contains(staff.username());
        assertThat(authorities(session)).contains("FACTOR_PASSWORD", "FACTOR_OTP", "FACTOR_WEBAUTHN",
                "OTP_WEBAUTHN", "ROLE_STAFF");
        assertThat(principal(session).device()).isEqualTo("webauthn/" + passkeyId(staff));
        assertThat(userService.find(staff.username()).orElseThrow().lastLogin()).isEqualTo(clock.instant());
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = "
                + "'LOGIN_SUCCEEDED'", staff.id())).isOne();
        assertThat(count("select count(*) from otpgate_security_event where account_id = ? and kind = "
                + "'OTP_VERIFIED'", staff.id())).isOne();
    }

    @Test
    void staffWithOnlyAPasskeyLogsInWithItAndStaysIn() throws Exception {
        User passkeyOnly = newUser("passkey-only", true, false);
        TestAuthenticator authenticator = addPasskey(passkeyOnly);
        // The code login has no code to check for this user: the one refusal, not "an operator enrols a device".
        Page codeLogin = post("/admin/login", new MockHttpSession(), "username", passkeyOnly.username(), "password",
                PASSWORD, "code", "123456");
        assertThat(codeLogin.status()).isEqualTo(401);
        assertThat(codeLogin.html().select("#login-error").text()).contains(AdminLogin.REFUSED)
                .doesNotContain("add-otp-device");

        MockHttpSession session = logInWithPasskey(passkeyOnly, authenticator);

        // The session guard counts a passkey as the device the panel needs.
        assertThat(get("/admin/", session).status()).isEqualTo(200);
        assertThat(get("/admin/account", session).html().select("#devices td.empty").text())
                .startsWith("No TOTP or HOTP device");
    }

    @Test
    void wrongCodesSinceTheLastLoginAreToldAfterAPasskeyLoginToo() throws Exception {
        TestAuthenticator authenticator = addPasskey(staff);
        logInStaff();
        nextStep();
        String right = code(staffSecret);
        assertThat(post("/admin/login", new MockHttpSession(), "username", staff.username(), "password", PASSWORD,
                "code", "000000".equals(right) ? "111111" : "000000").status()).isEqualTo(401);
        // Long enough that it is not forgiven as the owner's own mistype just before.
        clock.advance(Duration.ofMinutes(20));

        MockHttpSession session = logInWithPasskey(staff, authenticator);

        assertThat(get("/admin/", session).html().select("p.notice").text())
                .startsWith("1 wrong code was tried on your account since your last login");
        assertThat(get("/admin/", session).html().select("p.notice")).as("told once").isEmpty();
    }

    @Test
    void aCodeSessionHasNoWebAuthnFactor() throws Exception {
        assertThat(authorities(logInStaff())).contains("FACTOR_OTP").doesNotContain("FACTOR_WEBAUTHN");
    }

    @Test
    void wrongPasswordUnknownUserAndNonStaffGetTheCodeLoginsRefusalAndNoChallenge() throws Exception {
        addPasskey(staff);
        User plain = newUser("plain", false, false);
        addPasskey(plain);

        Page wrongPassword = passkeyOptions(anonymousSession(), staff.username(), "wrong");
        Page unknown = passkeyOptions(anonymousSession(), "nobody-here", PASSWORD);
        Page notStaff = passkeyOptions(anonymousSession(), plain.username(), PASSWORD);

        for (Page page : List.of(wrongPassword, unknown, notStaff)) {
            assertThat(page.status()).as(page.body()).isEqualTo(401);
            JsonNode body = json(page);
            assertThat(body.path("error").asString()).isEqualTo(AdminLogin.REFUSED);
            assertThat(body.path("hint").isNull() || body.path("hint").isMissingNode()).isTrue();
            assertThat(page.body()).doesNotContain("challenge").doesNotContain("passkey");
        }
        assertThat(count("select count(*) from otpgate_webauthn_challenge where account_id in (?, ?)", staff.id(),
                plain.id())).isZero();
    }

    @Test
    void passwordGuessingThroughThePasskeyStepIsThrottledLikeTheCodeLogin() throws Exception {
        addPasskey(staff);
        for (int i = 0; i < 4; i++) {
            assertThat(passkeyOptions(anonymousSession(), staff.username(), "guess" + i).status()).isEqualTo(401);
        }
        // Four failures: the next attempt waits, even with the right password, and nothing is checked.
        Page waiting = passkeyOptions(anonymousSession(), staff.username(), PASSWORD);
        assertThat(waiting.status()).isEqualTo(429);
        assertThat(Long.parseLong(waiting.header("Retry-After"))).isPositive();
        assertThat(json(waiting).path("error").asString()).isEqualTo("Too many failed logins.");
        assertThat(json(waiting).path("retryAfter").asLong()).isPositive();
        // The code login counts the same failures.
        assertThat(post("/admin/login", new MockHttpSession(), "username", staff.username(), "password", PASSWORD,
                "code", code(staffSecret)).status()).isEqualTo(429);
        clock.advance(Duration.ofSeconds(2));
        assertThat(passkeyOptions(anonymousSession(), staff.username(), PASSWORD).status()).isEqualTo(200);
    }

    @Test
    void staffWithoutAPasskeyIsToldSoOnlyAfterTheRightPassword() throws Exception {
        Page wrong = passkeyOptions(anonymousSession(), staff.username(), "wrong");
        Page right = passkeyOptions(anonymousSession(), staff.username(), PASSWORD);

        assertThat(json(wrong).path("error").asString()).isEqualTo(AdminLogin.REFUSED);
        assertThat(right.status()).isEqualTo(401);
        assertThat(json(right).path("error").asString()).isEqualTo(AdminPasskeyLogin.NO_PASSKEY);
    }

    @Test
    void anotherUsersPasskeyIsRefused() throws Exception {
        addPasskey(staff);
        User other = newUser("other", true, false);
        TestAuthenticator othersKey = addPasskey(other);
        MockHttpSession session = anonymousSession();
        String challenge = json(passkeyOptions(session, staff.username(), PASSWORD)).path("challenge").asString();

        Page login = passkeyLogin(session, othersKey.authenticate(challenge, "localhost", ORIGIN, null));

        assertRefused(login, WebAuthnRefusal.UNKNOWN_CREDENTIAL.message());
        assertThat(count("select count(*) from otpgate_security_event where account_id in (?, ?) and kind = "
                + "'LOGIN_SUCCEEDED'", staff.id(), other.id())).isZero();
    }

    @Test
    void aReplayedAssertionIsRefused() throws Exception {
        TestAuthenticator authenticator = addPasskey(staff);
        MockHttpSession first = anonymousSession();
        String challenge = json(passkeyOptions(first, staff.username(), PASSWORD)).path("challenge").asString();
        String assertion = authenticator.authenticate(challenge, "localhost", ORIGIN, null);
        assertThat(passkeyLogin(first, assertion).status()).isEqualTo(200);

        // Again after a new password step: its challenge was used up.
        MockHttpSession second = anonymousSession();
        assertThat(passkeyOptions(second, staff.username(), PASSWORD).status()).isEqualTo(200);
        assertRefused(passkeyLogin(second, assertion), WebAuthnRefusal.CHALLENGE_UNKNOWN.message());
        // Again without one: the password step is asked for first.
        assertRefused(passkeyLogin(anonymousSession(), assertion), AdminPasskeyLogin.START_AGAIN);
    }

    @Test
    void anAssertionFromAnotherOriginIsRefused() throws Exception {
        TestAuthenticator authenticator = addPasskey(staff);
        MockHttpSession session = anonymousSession();
        String challenge = json(passkeyOptions(session, staff.username(), PASSWORD)).path("challenge").asString();
        assertRefused(passkeyLogin(session, authenticator.authenticate(challenge, "localhost",
                "https://evil.example", null)), WebAuthnRefusal.ORIGIN_NOT_ALLOWED.message());

        // A page on an allowed origin whose request comes from another (the Origin header) is refused too.
        challenge = json(passkeyOptions(session, staff.username(), PASSWORD)).path("challenge").asString();
        String assertion = authenticator.authenticate(challenge, "localhost", ORIGIN, null);
        Page mismatch = perform(MockMvcRequestBuilders.post(AdminPaths.LOGIN_PASSKEY).param("credential", assertion)
                .header("Origin", "http://localhost:9999").with(csrf()), session);
        assertRefused(mismatch, WebAuthnRefusal.ORIGIN_NOT_ALLOWED.message());
    }

    @Test
    void thePasswordStepIsKeptNoLongerThanTheChallenge() throws Exception {
        TestAuthenticator authenticator = addPasskey(staff);
        MockHttpSession session = anonymousSession();
        String challenge = json(passkeyOptions(session, staff.username(), PASSWORD)).path("challenge").asString();
        clock.advance(Duration.ofMinutes(5));

        assertRefused(passkeyLogin(session, authenticator.authenticate(challenge, "localhost", ORIGIN, null)),
                AdminPasskeyLogin.START_AGAIN);
    }

    @Test
    void malformedAndOverlongAssertionsAreRefusedNeverAServerError() throws Exception {
        addPasskey(staff);
        for (String credential : List.of("", "{", "[]", "{\"id\":\"x\",\"response\":{}}", "x".repeat(70000))) {
            MockHttpSession session = anonymousSession();
            assertThat(passkeyOptions(session, staff.username(), PASSWORD).status()).isEqualTo(200);
            Page refused = passkeyLogin(session, credential);
            assertThat(refused.status()).as(credential.length() > 100 ? "a long one" : credential).isEqualTo(401);
            assertThat(json(refused).path("error").asString()).isNotBlank();
            assertThat(refused.response().getCookie(StoredSession.COOKIE)).isNull();
        }
    }

    @Test
    void bothStepsNeedTheCsrfToken() throws Exception {
        addPasskey(staff);
        MockHttpSession session = anonymousSession();
        Page options = perform(MockMvcRequestBuilders.post(AdminPaths.LOGIN_PASSKEY_OPTIONS)
                .param("username", staff.username()).param("password", PASSWORD), session);
        Page login = perform(MockMvcRequestBuilders.post(AdminPaths.LOGIN_PASSKEY).param("credential", "{}"),
                session);
        assertThat(options.status()).isEqualTo(403);
        assertThat(login.status()).isEqualTo(403);
        assertThat(count("select count(*) from otpgate_webauthn_challenge where account_id = ?", staff.id())).isZero();
    }

    // ---- helpers

    /** Registers a passkey named "Laptop" for the user through the library, as the page would. */
    private TestAuthenticator addPasskey(User user) {
        TestAuthenticator authenticator = new TestAuthenticator();
        PasskeyOptions.Creation options = registration.options(user, null, null);
        RegistrationOutcome outcome = registration.finish(user.id(), authenticator.register(options.challenge(),
                options.rp().id(), ORIGIN), null, "Laptop", null);
        assertThat(outcome).isInstanceOf(RegistrationOutcome.Registered.class);
        return authenticator;
    }

    /** Both steps of the passkey login from a fresh login page; asserts it worked and returns the new session. */
    private MockHttpSession logInWithPasskey(User user, TestAuthenticator authenticator) throws Exception {
        MockHttpSession before = anonymousSession();
        Page options = passkeyOptions(before, user.username(), PASSWORD);
        assertThat(options.status()).as(options.body()).isEqualTo(200);
        Page login = passkeyLogin(before, authenticator.authenticate(json(options).path("challenge").asString(),
                "localhost", ORIGIN, null));
        assertThat(login.status()).as(login.body()).isEqualTo(200);
        MockHttpSession session = StoredSession.from(login.response(), sessions);
        assertThat(session).isNotNull();
        return session;
    }

    private long passkeyId(User user) {
        return count("select max(id) from otpgate_webauthn_device where account_id = ?", user.id());
    }

    private Page passkeyOptions(MockHttpSession session, String username, String password) throws Exception {
        return post(AdminPaths.LOGIN_PASSKEY_OPTIONS, session, "username", username, "password", password);
    }

    private Page passkeyLogin(MockHttpSession session, String credential) throws Exception {
        MockHttpServletRequestBuilder request = MockMvcRequestBuilders.post(AdminPaths.LOGIN_PASSKEY)
                .param("credential", credential).with(csrf());
        return perform(request, session);
    }

    private static JsonNode json(Page page) {
        return JSON.readTree(page.body());
    }

    private static void assertRefused(Page page, String error) {
        assertThat(page.status()).as(page.body()).isEqualTo(401);
        assertThat(json(page).path("error").asString()).isEqualTo(error);
        assertThat(page.response().getCookie(StoredSession.COOKIE)).isNull();
    }

    private SecurityContext context(MockHttpSession session) {
        @SuppressWarnings("unchecked")
        Session stored = ((SessionRepository<Session>) sessions).findById(session.getId());
        return stored.getAttribute(HttpSessionSecurityContextRepository.SPRING_SECURITY_CONTEXT_KEY);
    }

    private List<String> authorities(MockHttpSession session) {
        return context(session).getAuthentication().getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .toList();
    }

    private AdminPrincipal principal(MockHttpSession session) {
        return (AdminPrincipal) context(session).getAuthentication().getPrincipal();
    }
}
