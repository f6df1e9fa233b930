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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
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
import io.otpgate.spring.device.SessionVersions;
import io.otpgate.spring.factor.OtpSessions;
import jakarta.servlet.http.Cookie;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The starter's sessions end their second factor with the account's session version: a second-factor reset, new
 * recovery codes (made elsewhere, through the API or the page) and the application's own
 * {@code SessionVersions.endAll} take {@code FACTOR_OTP} (or {@code FACTOR_OTP_REMEMBERED}) out of the user's other
 * sessions, which keep the password and are asked for a code again; the session that made new recovery codes keeps
 * its own factor; the one that turned 2FA off does not. Each test has its own user.
 */
// Trusted browsers are on by default; named so that this class gets a context (and a database) of its own: it enrols
// the sample's users, whom the other classes expect without a device.
@SpringBootTest(properties = { "otpgate.secrets.keys=1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
        "otpgate.trusted-browser.enabled=true" })
@AutoConfigureMockMvc
@Import(FormLoginWithOtpTest.Clocks.class)
class SessionVersionTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String COOKIE = "otpgate_trusted_browser";

    @Autowired MockMvc mvc;
    @Autowired FormLoginWithOtpTest.MutableClock clock;
    @Autowired Accounts accounts;
    @Autowired SessionVersions sessionVersions;

    @BeforeEach
    void now() {
        clock.set(Instant.parse("2026-12-06T09:00:00Z"));
    }

    @Test
    void secondFactorResetFromAnotherSessionThenThisSessionLosesTheFactorAndKeepsThePassword() throws Exception {
        MockHttpSession first = login("alice");
        OtpSecret secret = enrol(first);
        assertThat(authorities(home(first))).contains("FACTOR_OTP", "OTP_TOTP");

        MockHttpSession second = login("alice");
        verify(second, secret);
        json(call(delete("/otp/api/totp/delete"), second, null), 200);

        assertThat(authorities(home(first))).as("no device left: the password alone passes, without the factor")
                .contains("FACTOR_PASSWORD", "ROLE_USER").doesNotContain("FACTOR_OTP", "OTP_TOTP");
        clock.advance(Duration.ofSeconds(30));
        OtpSecret next = enrol(second);
        assertThat(next).isNotEqualTo(secret);
        assertThat(home(first).getRedirectedUrl()).as("the new device's code is asked for").endsWith("/otp/verify");
    }

    @Test
    void newRecoveryCodesThroughTheApiThenOtherSessionsAreAskedForACodeAndThisOneKeepsItsFactor() throws Exception {
        MockHttpSession first = login("bob");
        OtpSecret secret = enrol(first);
        MockHttpSession second = login("bob");
        verify(second, secret);

        assertThat(json(call(post("/otp/api/totp/recovery_code/create"), second, null), 201).size()).isEqualTo(5);

        assertThat(home(first).getRedirectedUrl()).endsWith("/otp/verify");
        JsonNode refused = json(call(post("/otp/api/totp/recovery_code/create"), first, null), 403);
        assertThat(refused.get("location").asString()).isEqualTo("/otp/verify");
        assertThat(authorities(home(second))).as("the session that made the codes").contains("FACTOR_OTP");
        verify(first, secret);
        assertThat(authorities(home(first))).as("a code proves it again").contains("FACTOR_OTP");
    }

    @Test
    void newRecoveryCodesOnTheDevicesPageThenOtherSessionsLoseTheFactorAndThisOneKeepsIt() throws Exception {
        MockHttpSession first = login("carol");
        OtpSecret secret = enrol(first);
        MockHttpSession second = login("carol");
        verify(second, secret);

        MockHttpServletResponse codes = mvc.perform(post("/otp/devices/recovery-codes").session(second).with(csrf())
                .accept(MediaType.TEXT_HTML)).andReturn().getResponse();
        assertThat(codes.getStatus()).as(codes.getContentAsString()).isEqualTo(200);

        assertThat(home(first).getRedirectedUrl()).endsWith("/otp/verify");
        assertThat(authorities(home(second))).contains("FACTOR_OTP");
    }

    @Test
    void applicationEndsAllSessionsOnAPasswordChangeThenTheFactorIsAskedForAgain() throws Exception {
        MockHttpSession session = login("dave");
        OtpSecret secret = enrol(session);
        long accountId = accounts.find("dave").orElseThrow().accountId();

        sessionVersions.endAll(accountId, SessionVersions.PASSWORD_CHANGED, null);

        assertThat(home(session).getRedirectedUrl()).endsWith("/otp/verify");
        assertThat(json(call(post("/otp/api/totp/recovery_code/create"), session, null), 403).get("detail")
                .asString()).isEqualTo("a one-time code is required");
        verify(session, secret);
        assertThat(authorities(home(session))).contains("FACTOR_OTP");
    }

    @Test
    void turningTwoFactorOffInThisSessionThenItsFactorEndsToo() throws Exception {
        MockHttpSession session = login("erin");
        enrol(session);

        json(call(delete("/otp/api/totp/delete"), session, null), 200);

        assertThat(authorities(home(session))).contains("FACTOR_PASSWORD").doesNotContain("FACTOR_OTP", "OTP_TOTP");
    }

    @Test
    void rememberedBrowserWhenSessionsEndThenItsFactorEndsAndACodeIsAsked() throws Exception {
        OtpSecret secret = enrol(login("frank"));
        clock.advance(Duration.ofSeconds(30));
        MockHttpServletResponse verified = mvc.perform(post("/otp/verify").session(login("frank")).with(csrf())
                .param("code", code(secret)).param("remember", "true")).andReturn().getResponse();
        String header = verified.getHeaders("Set-Cookie").stream().filter(c -> c.startsWith(COOKIE + "="))
                .findFirst().orElseThrow();
        Cookie trusted = new Cookie(COOKIE, header.substring(COOKIE.length() + 1, header.indexOf(';')));
        MockHttpSession session = login("frank");
        assertThat(authorities(mvc.perform(html("/").session(session).cookie(trusted)).andReturn().getResponse()))
                .contains("FACTOR_OTP_REMEMBERED");
        assertThat(authorities(home(session))).as("recorded: the next request keeps it without the cookie")
                .contains("FACTOR_OTP_REMEMBERED");

        sessionVersions.endAll(accounts.find("frank").orElseThrow().accountId(), SessionVersions.PASSWORD_CHANGED,
                null);

        assertThat(mvc.perform(html("/").session(session).cookie(trusted)).andReturn().getResponse()
                .getRedirectedUrl()).endsWith("/otp/verify");
    }

    @Test
    void sessionWithTheFactorButNoRecordedVersionThenTheFactorEnds() throws Exception {
        MockHttpSession session = login("grace");
        enrol(session);
        assertThat(session.getAttribute(OtpSessions.SESSION_VERSION)).isNotNull();

        session.removeAttribute(OtpSessions.SESSION_VERSION);

        assertThat(home(session).getRedirectedUrl()).endsWith("/otp/verify");
    }

    /** A TOTP device through the JSON API, confirmed in the session, which then holds the factor. */
    private OtpSecret enrol(MockHttpSession session) throws Exception {
        JsonNode created = json(call(post("/otp/api/totp/create"), session, null), 201);
        OtpSecret secret = OtpAuthUri.parse(created.get("otpUrl").asString()).secret();
        json(call(post("/otp/api/totp/login"), session, "{\"token\":\"" + code(secret) + "\"}"), 200);
        return secret;
    }

    private void verify(MockHttpSession session, OtpSecret secret) throws Exception {
        clock.advance(Duration.ofSeconds(30));
        json(call(post("/otp/api/totp/login"), session, "{\"token\":\"" + code(secret) + "\"}"), 200);
    }

    private MockHttpServletResponse home(MockHttpSession session) throws Exception {
        return mvc.perform(html("/").session(session)).andReturn().getResponse();
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

    private static List<String> authorities(MockHttpServletResponse response) throws Exception {
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
        return Jsoup.parse(response.getContentAsString()).select("#authorities li").eachText();
    }
}
