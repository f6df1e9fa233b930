package io.otpgate.samples.formlogin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.trust.TrustedBrowsers;
import jakarta.servlet.http.Cookie;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * "Don't ask again on this browser" in the sample: the checkbox on /otp/verify sets the cookie (HttpOnly,
 * SameSite=Strict, Secure only over HTTPS, Max-Age the duration); with it the password alone grants
 * FACTOR_OTP_REMEMBERED and never FACTOR_OTP, for its own user only, until it expires or the user's sessions end;
 * /otp/devices and the JSON API list and revoke. Each test has its own user.
 */
// The duration is the default, named so that this class gets a context (and a database) of its own: it enrols the
// sample's users, whom the other classes expect without a device.
@SpringBootTest(properties = { "otpgate.secrets.keys=1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
        "otpgate.trusted-browser.duration=30d" })
@AutoConfigureMockMvc
@Import(FormLoginWithOtpTest.Clocks.class)
@ExtendWith(OutputCaptureExtension.class)
class TrustedBrowserTest {

    private static final String COOKIE = "otpgate_trusted_browser";
    private static final String FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired MockMvc mvc;
    @Autowired FormLoginWithOtpTest.MutableClock clock;
    @Autowired TrustedBrowsers browsers;
    @Autowired Accounts accounts;

    @BeforeEach
    void now() {
        clock.set(Instant.parse("2026-12-05T09:00:00Z"));
    }

    @Test
    void verifyWithRememberTickedThenThePasswordAloneGrantsTheRememberedFactorNotTheCode(CapturedOutput output)
            throws Exception {
        OtpSecret secret = enrol("alice");
        MockHttpSession session = login("alice");
        Document prompt = page(mvc.perform(html("/otp/verify").session(session)).andReturn().getResponse(), 200);
        assertThat(prompt.select("label.remember").text()).isEqualTo("Don't ask again on this browser for 30 days");

        clock.advance(Duration.ofSeconds(30));
        MockHttpServletResponse verified = mvc.perform(post("/otp/verify").session(session).with(csrf())
                .header("User-Agent", FIREFOX).param("code", code(secret)).param("remember", "true")).andReturn()
                .getResponse();

        assertThat(verified.getStatus()).isEqualTo(302);
        String setCookie = verified.getHeader("Set-Cookie");
        assertThat(setCookie).startsWith(COOKIE + "=").contains("Path=/", "Max-Age=2592000", "HttpOnly",
                "SameSite=Strict").doesNotContain("Secure");
        String value = cookieValue(verified);
        assertThat(value).hasSize(43).matches("[A-Za-z0-9_-]+");
        assertThat(authorities(mvc.perform(html("/").session(session)).andReturn().getResponse()))
                .contains("FACTOR_OTP").doesNotContain("FACTOR_OTP_REMEMBERED");

        MockHttpSession next = login("alice");
        MockHttpServletResponse remembered = mvc.perform(html("/").session(next).cookie(new Cookie(COOKIE, value)))
                .andReturn().getResponse();
        assertThat(authorities(remembered)).contains("FACTOR_PASSWORD", "FACTOR_OTP_REMEMBERED")
                .doesNotContain("FACTOR_OTP", "OTP_TOTP");
        assertThat(authorities(mvc.perform(html("/").session(next)).andReturn().getResponse()))
                .as("the session keeps the factor").contains("FACTOR_OTP_REMEMBERED");
        MockHttpServletResponse withoutCookie = mvc.perform(html("/").session(login("alice"))).andReturn()
                .getResponse();
        assertThat(withoutCookie.getRedirectedUrl()).endsWith("/otp/verify");
        assertThat(output.getAll()).doesNotContain(value);
    }

    @Test
    void verifyWithoutRememberThenNoCookie() throws Exception {
        OtpSecret secret = enrol("admin2");
        MockHttpSession session = login("admin2");
        clock.advance(Duration.ofSeconds(30));

        MockHttpServletResponse verified = mvc.perform(post("/otp/verify").session(session).with(csrf())
                .param("code", code(secret))).andReturn().getResponse();

        assertThat(verified.getStatus()).isEqualTo(302);
        assertThat(verified.getHeaders("Set-Cookie")).noneMatch(c -> c.startsWith(COOKIE));
    }

    @Test
    void cookieOverHttpsThenSecure() throws Exception {
        OtpSecret secret = enrol("grace");
        MockHttpSession session = login("grace");
        clock.advance(Duration.ofSeconds(30));

        MockHttpServletResponse verified = mvc.perform(post("/otp/verify").secure(true).session(session)
                .with(csrf()).param("code", code(secret)).param("remember", "true")).andReturn().getResponse();

        assertThat(verified.getHeader("Set-Cookie")).contains("Secure", "HttpOnly", "SameSite=Strict");
    }

    @Test
    void cookieOfOneUserAtAnotherUsersLoginThenNothing() throws Exception {
        OtpSecret bobSecret = enrol("bob");
        enrol("carol");
        String bobs = remember("bob", bobSecret);

        MockHttpServletResponse carol = mvc.perform(html("/").session(login("carol"))
                .cookie(new Cookie(COOKIE, bobs))).andReturn().getResponse();

        assertThat(carol.getStatus()).isEqualTo(302);
        assertThat(carol.getRedirectedUrl()).endsWith("/otp/verify");
        assertThat(authorities(mvc.perform(html("/").session(login("bob")).cookie(new Cookie(COOKIE, bobs)))
                .andReturn().getResponse())).as("still bob's").contains("FACTOR_OTP_REMEMBERED");
    }

    @Test
    void cookieWhenExpiredThenTheCodeIsAskedAgain() throws Exception {
        OtpSecret secret = enrol("dave");
        String value = remember("dave", secret);

        clock.advance(Duration.ofDays(30).minusSeconds(1));
        assertThat(mvc.perform(html("/").session(login("dave")).cookie(new Cookie(COOKIE, value))).andReturn()
                .getResponse().getStatus()).as("a second before it expires").isEqualTo(200);
        clock.advance(Duration.ofSeconds(1));
        MockHttpServletResponse expired = mvc.perform(html("/").session(login("dave"))
                .cookie(new Cookie(COOKIE, value))).andReturn().getResponse();

        assertThat(expired.getRedirectedUrl()).endsWith("/otp/verify");
    }

    @Test
    void devicesPageListsTrustedBrowsersThenRevokeOneThenForgetAll() throws Exception {
        OtpSecret secret = enrol("erin");
        String first = remember("erin", secret);
        clock.advance(Duration.ofMinutes(1));
        String second = remember("erin", secret);
        MockHttpSession session = login("erin");
        mvc.perform(html("/").session(session).cookie(new Cookie(COOKIE, second)));

        Document devices = page(mvc.perform(html("/otp/devices").session(session)).andReturn().getResponse(), 200);
        List<String> rows = devices.select("#trusted-browsers tr[id]").eachAttr("id");
        assertThat(rows).hasSize(2);
        assertThat(devices.select("#trusted-browsers td:first-child").eachText()).containsOnly("Firefox on Linux");

        long oldest = Long.parseLong(rows.get(1).substring("trusted-browser-".length()));
        assertThat(mvc.perform(post("/otp/devices/trusted-browsers/" + oldest + "/revoke").session(session)
                .with(csrf())).andReturn().getResponse().getRedirectedUrl()).endsWith("/otp/devices");
        assertThat(mvc.perform(post("/otp/devices/trusted-browsers/x/revoke").session(session).with(csrf()))
                .andReturn().getResponse().getStatus()).isEqualTo(400);
        assertThat(mvc.perform(html("/").session(login("erin")).cookie(new Cookie(COOKIE, first))).andReturn()
                .getResponse().getStatus()).as("the revoked one").isEqualTo(302);
        assertThat(mvc.perform(html("/").session(login("erin")).cookie(new Cookie(COOKIE, second))).andReturn()
                .getResponse().getStatus()).as("the other one").isEqualTo(200);

        MockHttpServletResponse forgotten = mvc.perform(post("/otp/devices/trusted-browsers/revoke-all")
                .session(session).with(csrf())).andReturn().getResponse();
        assertThat(forgotten.getHeader("Set-Cookie")).startsWith(COOKIE + "=;").contains("Max-Age=0");
        assertThat(mvc.perform(html("/").session(login("erin")).cookie(new Cookie(COOKIE, second))).andReturn()
                .getResponse().getStatus()).isEqualTo(302);
        assertThat(page(mvc.perform(html("/otp/devices").session(session)).andReturn().getResponse(), 200)
                .select("#trusted-browsers")).isEmpty();
    }

    /** The last device goes (the TOTP device, then the recovery codes): the trusted browsers end with it. */
    @Test
    void lastDeviceRemovedThenTrustedBrowsersEnd() throws Exception {
        Enrolled frank = enrolWithCodes("frank");
        String value = remember("frank", frank.secret());
        long account = accounts.find("frank").orElseThrow().accountId();
        MockHttpSession session = login("frank");
        clock.advance(Duration.ofSeconds(30));
        mvc.perform(post("/otp/verify").session(session).with(csrf()).param("code", code(frank.secret())));
        Document devices = page(mvc.perform(html("/otp/devices").session(session)).andReturn().getResponse(), 200);
        List<String> ids = devices.select("#device option").eachAttr("value");

        clock.advance(Duration.ofSeconds(30));
        mvc.perform(post("/otp/devices/remove").session(session).with(csrf()).param("device", ids.get(0))
                .param("code", code(frank.secret())));
        assertThat(browsers.check(account, value, clock.instant())).as("recovery codes left").isTrue();
        mvc.perform(post("/otp/devices/remove").session(session).with(csrf()).param("device", ids.get(1))
                .param("code", frank.recoveryCodes().get(0)));

        assertThat(browsers.list(account, clock.instant())).isEmpty();
        assertThat(browsers.check(account, value, clock.instant())).isFalse();
    }

    /** The JSON API: remember on totp/login, list, revoke one (404 if not the user's, 400 if not an id), reset. */
    @Test
    void jsonApiRememberListRevokeThenSecondFactorResetEndsThem() throws Exception {
        MockHttpSession session = login("admin");
        OtpSecret secret = OtpAuthUri.parse(json(call(post("/otp/api/totp/create"), session, null), 201)
                .get("otpUrl").asString()).secret();
        call(post("/otp/api/totp/login"), session, "{\"token\":\"" + code(secret) + "\"}");
        long account = accounts.find("admin").orElseThrow().accountId();

        MockHttpSession next = login("admin");
        clock.advance(Duration.ofSeconds(30));
        assertThat(json(call(post("/otp/api/totp/login"), next, "{\"token\":\"" + code(secret)
                + "\",\"remember\":\"yes\"}"), 400).get("detail").asString())
                .isEqualTo("`remember` must be true or false");
        MockHttpServletResponse remembered = call(post("/otp/api/totp/login"), next, "{\"token\":\"" + code(secret)
                + "\",\"remember\":true}");
        assertThat(remembered.getStatus()).isEqualTo(200);
        String value = cookieValue(remembered);
        assertThat(remembered.getHeader("Set-Cookie")).contains("HttpOnly", "SameSite=Strict");

        JsonNode list = json(call(get("/otp/api/trusted_browsers"), next, null), 200);
        assertThat(list.size()).isEqualTo(1);
        long id = list.get(0).get("id").asLong();
        assertThat(list.get(0).get("description").asString()).isEqualTo("Unknown browser");
        assertThat(list.get(0).get("expires_at").asString()).isEqualTo("2027-01-04T09:00:30Z");
        assertThat(json(call(delete("/otp/api/trusted_browsers/abc"), next, null), 400).has("detail")).isTrue();
        assertThat(call(delete("/otp/api/trusted_browsers/" + (id + 1000)), next, null).getStatus()).isEqualTo(404);
        assertThat(call(get("/otp/api/trusted_browsers"), login("admin"), null).getStatus())
                .as("the password alone").isEqualTo(403);
        MockHttpSession byCookie = login("admin");
        MockHttpServletResponse listed = mvc.perform(get("/otp/api/trusted_browsers").session(byCookie)
                .cookie(new Cookie(COOKIE, value)).accept(MediaType.APPLICATION_JSON)).andReturn().getResponse();
        assertThat(listed.getStatus()).as("the remembered factor").isEqualTo(200);

        call(delete("/otp/api/totp/delete"), next, null);

        assertThat(browsers.check(account, value, clock.instant())).isFalse();
        assertThat(browsers.list(account, clock.instant())).isEmpty();
        // The reset ended this session's factor too, and an admin without a device must set one up again.
        assertThat(json(call(delete("/otp/api/trusted_browsers/" + id), next, null), 403).get("location")
                .asString()).isEqualTo("/otp/setup");
    }

    private record Enrolled(OtpSecret secret, List<String> recoveryCodes) {
    }

    private OtpSecret enrol(String username) throws Exception {
        return enrolWithCodes(username).secret();
    }

    private Enrolled enrolWithCodes(String username) throws Exception {
        MockHttpSession session = login(username);
        Document setup = page(mvc.perform(html("/otp/setup").session(session)).andReturn().getResponse(), 200);
        OtpSecret secret = OtpAuthUri.parse(setup.getElementById("otpauth-link").attr("href")).secret();
        Document done = page(mvc.perform(post("/otp/setup").session(session).with(csrf())
                .param("code", code(secret))).andReturn().getResponse(), 200);
        return new Enrolled(secret, done.select("#recovery-codes li").eachText());
    }

    /** A new login with a code and "remember" ticked: the cookie's value. */
    private String remember(String username, OtpSecret secret) throws Exception {
        clock.advance(Duration.ofSeconds(30));
        MockHttpServletResponse verified = mvc.perform(post("/otp/verify").session(login(username)).with(csrf())
                .header("User-Agent", FIREFOX).param("code", code(secret)).param("remember", "true")).andReturn()
                .getResponse();
        assertThat(verified.getStatus()).isEqualTo(302);
        return cookieValue(verified);
    }

    private static String cookieValue(MockHttpServletResponse response) {
        String header = response.getHeaders("Set-Cookie").stream().filter(c -> c.startsWith(COOKIE + "="))
                .findFirst().orElseThrow();
        return header.substring(COOKIE.length() + 1, header.indexOf(';'));
    }

    private static MockHttpServletRequestBuilder html(String path) {
        return get(path).accept(MediaType.TEXT_HTML, MediaType.ALL);
    }

    private MockHttpServletResponse call(MockHttpServletRequestBuilder request, MockHttpSession session, String body)
            throws Exception {
        request.session(session).with(csrf()).accept(MediaType.APPLICATION_JSON);
        if (body != null) {
            request.contentType(MediaType.APPLICATION_JSON).content(body);
        }
        return mvc.perform(request).andReturn().getResponse();
    }

    private static JsonNode json(MockHttpServletResponse response, int status) throws Exception {
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(status);
        return JSON.readTree(response.getContentAsString());
    }

    private MockHttpSession login(String username) throws Exception {
        MvcResult result = mvc.perform(post("/login").with(csrf()).param("username", username)
                .param("password", username + "-password")).andReturn();
        assertThat(result.getResponse().getRedirectedUrl()).doesNotContain("error");
        return (MockHttpSession) result.getRequest().getSession();
    }

    private String code(OtpSecret secret) {
        return Totp.defaults().generate(secret, clock.instant());
    }

    private static Document page(MockHttpServletResponse response, int status) throws Exception {
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(status);
        return Jsoup.parse(response.getContentAsString());
    }

    private static List<String> authorities(MockHttpServletResponse response) throws Exception {
        assertThat(response.getStatus()).isEqualTo(200);
        return Jsoup.parse(response.getContentAsString()).select("#authorities li").eachText();
    }
}
