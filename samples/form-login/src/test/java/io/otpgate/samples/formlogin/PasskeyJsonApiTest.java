package io.otpgate.samples.formlogin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Instant;
import java.util.List;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.otpgate.webauthn.TestAuthenticator;

/**
 * Passkeys through the starter's JSON API with a session (what the pages' script calls), with a software
 * authenticator: a first passkey registered after the password, then a login with it; another user's passkey, a
 * replayed assertion, a wrong origin and a counter that goes backwards are refused with their messages; malformed
 * bodies are a 400 that changes nothing; a session that has only the password cannot add a passkey to an account
 * with a device. Its own application context (and so its own database): the rp name below makes it one.
 */
@SpringBootTest(properties = { "otpgate.secrets.keys=1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
    "otpgate.webauthn.rp-name=Form login sample" })
@AutoConfigureMockMvc
class PasskeyJsonApiTest {

    static final String ORIGIN = "http://localhost:8080";
    static final String API = "/otp/api/webauthn";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired MockMvc mvc;
    @Autowired JdbcClient jdbc;

    @Test
    void registerAfterThePasswordThenLogInWithThePasskeyAndLandOnThePageAskedFor() throws Exception {
        MockHttpSession first = login("alice");
        JsonNode options = json(call(API + "/register/options", first, null, null), 200);
        assertThat(options.at("/rp/id").asString()).isEqualTo("localhost");
        assertThat(options.at("/rp/name").asString()).isEqualTo("Form login sample");
        assertThat(options.at("/user/name").asString()).isEqualTo("alice");
        TestAuthenticator key = new TestAuthenticator();
        String credential = key.register(options.get("challenge").asString(), "localhost", ORIGIN);

        JsonNode registered = json(call(API + "/register", first, ORIGIN, "{\"credential\":" + credential
                + ",\"name\":\"Laptop\"}"), 201);

        assertThat(registered.get("device").asString()).startsWith("webauthn/");
        assertThat(registered.get("name").asString()).isEqualTo("Laptop");
        assertThat(registered.get("userVerified").asBoolean()).isTrue();
        assertThat(registered.get("synced").asBoolean()).isTrue();
        assertThat(authorities(first)).as("a first device proves the factor, as a setup's first code does")
                .contains("FACTOR_OTP", "FACTOR_WEBAUTHN", "OTP_WEBAUTHN");
        Document devices = page(mvc.perform(html("/otp/devices").session(first)).andReturn().getResponse());
        assertThat(devices.select("#passkeys tr td:first-child").eachText()).containsExactly("Laptop");
        assertThat(devices.select("#passkeys tr").get(1).select("td").eachText()).endsWith("never", "yes", "yes");
        MockHttpServletResponse status = mvc.perform(get("/otp/api/totp/status").session(first)
                .accept(MediaType.APPLICATION_JSON)).andReturn().getResponse();
        assertThat(json(status, 200).get("isOtpEnabled").asBoolean()).as("a passkey is a second factor").isTrue();
        Document codes = page(mvc.perform(post("/otp/devices/recovery-codes").session(first).with(csrf()))
                .andReturn().getResponse());
        assertThat(codes.select("#recovery-codes li")).as("a user whose only device is a passkey has recovery codes")
                .hasSize(5);

        MockHttpSession second = login("alice");
        MockHttpServletResponse asked = mvc.perform(html("/?from=passkey").session(second)).andReturn()
                .getResponse();
        assertThat(asked.getRedirectedUrl()).endsWith("/otp/verify");
        Document verify = page(mvc.perform(html("/otp/verify").session(second)).andReturn().getResponse());
        assertThat(verify.select("#passkey-login[hidden] #use-passkey").text()).isEqualTo("Use a passkey");
        assertThat(verify.select("script[src=/otp/passkeys.js]")).hasSize(1);
        assertThat(verify.select("meta[name=_csrf]").attr("content")).isNotEmpty();
        assertThat(verify.select("#code")).as("the code field stays").hasSize(1);
        String sessionId = second.getId();

        JsonNode request = json(call(API + "/login/options", second, null, null), 200);
        MvcResult loggedIn = callResult(API + "/login", second, ORIGIN, "{\"credential\":"
                + key.authenticate(request.get("challenge").asString(), "localhost", ORIGIN, null) + "}");

        JsonNode verified = json(loggedIn.getResponse(), 200);
        assertThat(verified.get("message").asString()).isEqualTo("2FA verified.");
        assertThat(verified.get("device").asString()).isEqualTo(registered.get("device").asString());
        assertThat(verified.get("wrong_codes_since_last_login").asInt()).isZero();
        assertThat(verified.get("next").asString()).contains("/?from=passkey");
        assertThat(loggedIn.getRequest().getSession().getId()).as("a new session id").isNotEqualTo(sessionId);
        assertThat(authorities(second)).contains("FACTOR_PASSWORD", "FACTOR_OTP", "FACTOR_WEBAUTHN",
                "OTP_WEBAUTHN");
    }

    @Test
    void logInWithAnotherUsersPasskeyThenRefusedAndSessionUnchanged() throws Exception {
        TestAuthenticator bobs = new TestAuthenticator();
        register("bob", bobs);
        register("carol", new TestAuthenticator());
        MockHttpSession carol = login("carol");

        JsonNode request = json(call(API + "/login/options", carol, null, null), 200);
        JsonNode refused = json(call(API + "/login", carol, ORIGIN, "{\"credential\":"
                + bobs.authenticate(request.get("challenge").asString(), "localhost", ORIGIN, null) + "}"), 400);

        assertThat(refused.get("detail").asString()).isEqualTo("This passkey is not registered for your account.");
        assertThat(refused.get("reason").asString()).isEqualTo("unknown_credential");
        assertThat(authorities(carol)).doesNotContain("FACTOR_OTP", "FACTOR_WEBAUTHN");
        MockHttpServletResponse script = mvc.perform(get("/otp/passkeys.js").session(carol)
                .accept(MediaType.ALL)).andReturn().getResponse();
        assertThat(script.getStatus()).as("the script is open to a session that has only the password")
                .isEqualTo(200);
        assertThat(script.getContentType()).startsWith("text/javascript");
        assertThat(script.getContentAsString()).contains("navigator.credentials.get");
    }

    @Test
    void replayedAssertionThenRefused() throws Exception {
        TestAuthenticator key = register("dave", new TestAuthenticator());
        MockHttpSession dave = login("dave");
        JsonNode request = json(call(API + "/login/options", dave, null, null), 200);
        String body = "{\"credential\":" + key.authenticate(request.get("challenge").asString(), "localhost", ORIGIN,
                null) + "}";
        json(call(API + "/login", dave, ORIGIN, body), 200);

        MockHttpSession attacker = login("dave");
        JsonNode replayed = json(call(API + "/login", attacker, ORIGIN, body), 400);

        assertThat(replayed.get("detail").asString()).contains("was used already");
        assertThat(authorities(attacker)).doesNotContain("FACTOR_OTP");
    }

    @Test
    void assertionFromAnotherOriginThenRefusedWithAClearMessage() throws Exception {
        TestAuthenticator key = register("erin", new TestAuthenticator());
        MockHttpSession erin = login("erin");

        JsonNode request = json(call(API + "/login/options", erin, null, null), 200);
        JsonNode phished = json(call(API + "/login", erin, "https://otpgate.example", "{\"credential\":"
                + key.authenticate(request.get("challenge").asString(), "localhost", "https://otpgate.example", null)
                + "}"), 400);
        request = json(call(API + "/login/options", erin, null, null), 200);
        JsonNode mismatched = json(call(API + "/login", erin, "http://localhost:9999", "{\"credential\":"
                + key.authenticate(request.get("challenge").asString(), "localhost", ORIGIN, null) + "}"), 400);

        assertThat(phished.get("detail").asString()).isEqualTo("Passkeys are not allowed from this site's address.");
        assertThat(mismatched.get("reason").asString()).isEqualTo("origin_not_allowed");
        assertThat(authorities(erin)).doesNotContain("FACTOR_OTP");
    }

    @Test
    void counterGoingBackwardsThenRefused() throws Exception {
        TestAuthenticator key = new TestAuthenticator();
        key.signCount = 10;
        register("frank", key);
        MockHttpSession frank = login("frank");
        JsonNode request = json(call(API + "/login/options", frank, null, null), 200);
        json(call(API + "/login", frank, ORIGIN, "{\"credential\":"
                + key.authenticate(request.get("challenge").asString(), "localhost", ORIGIN, null) + "}"), 200);

        key.signCount = 5;
        MockHttpSession clone = login("frank");
        request = json(call(API + "/login/options", clone, null, null), 200);
        JsonNode refused = json(call(API + "/login", clone, ORIGIN, "{\"credential\":"
                + key.authenticate(request.get("challenge").asString(), "localhost", ORIGIN, null) + "}"), 400);

        assertThat(refused.get("detail").asString()).contains("counter went backwards");
        assertThat(authorities(clone)).doesNotContain("FACTOR_OTP");
    }

    @Test
    void malformedBodiesThenBadRequestAndNothingChanges() throws Exception {
        MockHttpSession grace = login("grace");
        json(call(API + "/register/options", grace, null, null), 200);
        String valid = new TestAuthenticator().register("AAAA", "localhost", ORIGIN);
        List<String> bodies = List.of("{not json", "[]", "null", "{}", "{\"credential\":\"text\"}",
                "{\"credential\":{}}", "{\"credential\":{\"id\":5,\"response\":[]}}",
                "{\"credential\":" + valid + ",\"name\":5}",
                "{\"credential\":" + valid + ",\"name\":\"" + "n".repeat(65) + "\"}",
                "{\"credential\":" + valid.replace("\"attestationObject\":\"", "\"attestationObject\":\"%%") + "}");

        for (String body : bodies) {
            for (String path : List.of("/register", "/login")) {
                MockHttpServletResponse answer = call(API + path, grace, ORIGIN, body);
                assertThat(answer.getStatus()).as("%s %s: %s", path, body, answer.getContentAsString())
                        .isEqualTo(400);
                assertThat(answer.getContentType()).startsWith("application/problem+json");
            }
        }
        MockHttpServletResponse empty = mvc.perform(post(API + "/register").session(grace).with(csrf()))
                .andReturn().getResponse();

        assertThat(empty.getStatus()).isEqualTo(400);
        assertThat(passkeys("grace")).isZero();
        assertThat(authorities(grace)).doesNotContain("FACTOR_OTP");
    }

    @Test
    void passwordOnlySessionOfAUserWithADeviceThenCannotAddAPasskey() throws Exception {
        TestAuthenticator owners = register("admin", new TestAuthenticator());
        MockHttpSession thief = login("admin");

        JsonNode refusedOptions = json(call(API + "/register/options", thief, null, null), 403);
        JsonNode refused = json(call(API + "/register", thief, ORIGIN, "{\"credential\":"
                + new TestAuthenticator().register("AAAA", "localhost", ORIGIN) + "}"), 403);

        assertThat(refusedOptions.get("detail").asString()).startsWith("Prove your second factor first");
        assertThat(refused.get("detail").asString()).startsWith("Prove your second factor first");
        assertThat(passkeys("admin")).isEqualTo(1);

        JsonNode request = json(call(API + "/login/options", thief, null, null), 200);
        json(call(API + "/login", thief, ORIGIN, "{\"credential\":"
                + owners.authenticate(request.get("challenge").asString(), "localhost", ORIGIN, null) + "}"), 200);
        JsonNode second = json(call(API + "/register/options", thief, null, null), 200);
        json(call(API + "/register", thief, ORIGIN, "{\"credential\":" + new TestAuthenticator()
                .register(second.get("challenge").asString(), "localhost", ORIGIN) + "}"), 201);
        assertThat(passkeys("admin")).as("once the session proved the factor").isEqualTo(2);
    }

    @Test
    void lockedAccountThenTooManyRequests() throws Exception {
        TestAuthenticator key = register("admin2", new TestAuthenticator());
        MockHttpSession session = login("admin2");
        JsonNode request = json(call(API + "/login/options", session, null, null), 200);
        jdbc.sql("update otpgate_account set locked_at = ? where user_key = 'admin2'")
                .param(java.sql.Timestamp.from(Instant.now())).update();

        JsonNode locked = json(call(API + "/login", session, ORIGIN, "{\"credential\":"
                + key.authenticate(request.get("challenge").asString(), "localhost", ORIGIN, null) + "}"), 429);

        assertThat(locked.get("detail").asString()).startsWith("Too many failed attempts");
        assertThat(authorities(session)).doesNotContain("FACTOR_OTP");
    }

    @Test
    void userWithoutAPasskeyThenSetupOffersOneAndLoginOptionsAreRefused() throws Exception {
        MockHttpSession grace = login("grace");

        Document setup = page(mvc.perform(html("/otp/setup").session(grace)).andReturn().getResponse());
        JsonNode refused = json(call(API + "/login/options", grace, null, null), 400);

        assertThat(setup.select("#add-passkey[hidden] #add-passkey-button").text()).isEqualTo("Add a passkey");
        assertThat(setup.select("#add-passkey").attr("data-api")).isEqualTo(API);
        assertThat(setup.select("#code")).as("the code field stays").hasSize(1);
        assertThat(refused.get("detail").asString()).isEqualTo("This user has no passkey.");
    }

    /** Registers a passkey as a user's first device, in a session of its own. */
    private TestAuthenticator register(String user, TestAuthenticator key) throws Exception {
        MockHttpSession session = login(user);
        JsonNode options = json(call(API + "/register/options", session, null, null), 200);
        json(call(API + "/register", session, ORIGIN, "{\"credential\":"
                + key.register(options.get("challenge").asString(), "localhost", ORIGIN) + "}"), 201);
        return key;
    }

    private long passkeys(String user) {
        return jdbc.sql("select count(*) from otpgate_webauthn_device d join otpgate_account a on a.id = "
                + "d.account_id where a.user_key = ?").param(user).query(Long.class).single();
    }

    private MockHttpServletResponse call(String path, MockHttpSession session, String origin, String body)
            throws Exception {
        return callResult(path, session, origin, body).getResponse();
    }

    private MvcResult callResult(String path, MockHttpSession session, String origin, String body)
            throws Exception {
        MockHttpServletRequestBuilder request = post(path).session(session).with(csrf())
                .accept(MediaType.APPLICATION_JSON);
        if (origin != null) {
            request.header("Origin", origin);
        }
        if (body != null) {
            request.contentType(MediaType.APPLICATION_JSON).content(body);
        }
        return mvc.perform(request).andReturn();
    }

    private static JsonNode json(MockHttpServletResponse response, int status) throws Exception {
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(status);
        return JSON.readTree(response.getContentAsString());
    }

    private List<String> authorities(MockHttpSession session) throws Exception {
        MockHttpServletResponse home = mvc.perform(html("/").session(session)).andReturn().getResponse();
        if (home.getStatus() != 200) {
            return List.of("(redirected to " + home.getRedirectedUrl() + ")");
        }
        return page(home).select("#authorities li").eachText();
    }

    private static Document page(MockHttpServletResponse response) throws Exception {
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
        return Jsoup.parse(response.getContentAsString());
    }

    private static MockHttpServletRequestBuilder html(String path) {
        return get(path).accept(MediaType.TEXT_HTML);
    }

    private MockHttpSession login(String username) throws Exception {
        MvcResult result = mvc.perform(post("/login").with(csrf()).param("username", username)
                .param("password", username + "-password")).andReturn();
        assertThat(result.getResponse().getRedirectedUrl()).doesNotContain("error");
        return (MockHttpSession) result.getRequest().getSession();
    }
}
