package io.otpgate.samples.formlogin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
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

/**
 * Step-up on the pages, without JavaScript: with a factor older than {@code otpgate.policy.step-up-within} the
 * devices page's forms take a code and then do the action, and {@code /otp/setup} goes through the code prompt and
 * back. A recovery code does not remove the last authenticator (and is not used up trying). (Its own context, so its
 * own database: the users are fresh.)
 */
@SpringBootTest(properties = { "otpgate.secrets.keys=1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
    "otpgate.policy.step-up-within=300s" })
@AutoConfigureMockMvc
@Import(FormLoginWithOtpTest.Clocks.class)
class StepUpPagesTest {

    private static final Duration STALE = Duration.ofMinutes(5).plusSeconds(1);
    private static final String ASK_AGAIN = "To confirm it is you, type a current code from your authenticator app "
            + "(or a recovery code) and try again.";
    private static final String DEVICE_CODE_NEEDED = "A recovery code is not enough for this: type a current code "
            + "from your authenticator app.";

    @Autowired MockMvc mvc;
    @Autowired FormLoginWithOtpTest.MutableClock clock;

    @BeforeEach
    void now() {
        clock.set(Instant.parse("2026-12-07T10:00:00Z"));
    }

    @Test
    void newRecoveryCodesWhenStaleThenTheFormAsksForACodeAndWithItIssues() throws Exception {
        MockHttpSession session = login("erin");
        Enrolled enrolled = enrol(session);
        assertThat(devicesPage(session).getElementById("recovery-code")).as("fresh: no code asked").isNull();
        clock.advance(STALE);
        assertThat(devicesPage(session).getElementById("recovery-code")).as("stale: a code asked").isNotNull();

        Document asked = page(mvc.perform(post("/otp/devices/recovery-codes").session(session).with(csrf()))
                .andReturn().getResponse(), 401);

        assertThat(asked.select("[role=alert]").text()).isEqualTo(ASK_AGAIN);
        assertThat(asked.getElementById("recovery-code")).isNotNull();
        page(mvc.perform(post("/otp/devices/recovery-codes").session(session).with(csrf()).param("code", "000000"))
                .andReturn().getResponse(), 400);
        clock.advance(Duration.ofSeconds(2));
        List<String> codes = page(mvc.perform(post("/otp/devices/recovery-codes").session(session).with(csrf())
                .param("code", code(enrolled.secret()))).andReturn().getResponse(), 200)
                .select("#recovery-codes li").eachText();
        assertThat(codes).hasSize(5).doesNotContainAnyElementsOf(enrolled.recoveryCodes());
        assertThat(page(mvc.perform(post("/otp/devices/recovery-codes").session(session).with(csrf())).andReturn()
                .getResponse(), 200).select("#recovery-codes li").eachText()).as("fresh again: no code needed")
                .hasSize(5);
    }

    @Test
    void removeWhenStaleWithoutACodeThenAskedAndWithACodeRemoved() throws Exception {
        MockHttpSession session = login("frank");
        Enrolled enrolled = enrol(session);
        String device = devicesPage(session).select("#device option").first().attr("value");
        clock.advance(STALE);

        Document asked = page(mvc.perform(post("/otp/devices/remove").session(session).with(csrf())
                .param("device", device)).andReturn().getResponse(), 401);

        assertThat(asked.select("[role=alert]").text()).isEqualTo(ASK_AGAIN);
        assertThat(asked.getElementById("code").hasAttr("required")).isTrue();
        assertThat(names(devicesPage(session))).contains("Authenticator");
        MockHttpServletResponse removed = mvc.perform(post("/otp/devices/remove").session(session).with(csrf())
                .param("device", device).param("code", code(enrolled.secret()))).andReturn().getResponse();
        assertThat(removed.getStatus()).isEqualTo(302);
        assertThat(names(devicesPage(session))).doesNotContain("Authenticator");
    }

    @Test
    void removeWhenFreshThenNoCodeNeeded() throws Exception {
        MockHttpSession session = login("grace");
        enrol(session);
        Document devices = devicesPage(session);
        assertThat(devices.getElementById("code").hasAttr("required")).isFalse();

        MockHttpServletResponse removed = mvc.perform(post("/otp/devices/remove").session(session).with(csrf())
                .param("device", devices.select("#device option").first().attr("value"))).andReturn().getResponse();

        assertThat(removed.getStatus()).isEqualTo(302);
        assertThat(names(devicesPage(session))).doesNotContain("Authenticator");
    }

    /** The recovery-code rule, both ways, on the pages. */
    @Test
    void freshRecoveryCodeThenNewCodesAndSetupAllowedButNotRemovingTheLastAuthenticator() throws Exception {
        MockHttpSession enrolling = login("alice");
        Enrolled enrolled = enrol(enrolling);
        String device = devicesPage(enrolling).select("#device option").first().attr("value");
        clock.advance(STALE);
        MockHttpSession session = login("alice");
        verify(session, enrolled.recoveryCodes().get(0));

        Document refused = page(mvc.perform(post("/otp/devices/remove").session(session).with(csrf())
                .param("device", device)).andReturn().getResponse(), 401);
        Document refusedWithCode = page(mvc.perform(post("/otp/devices/remove").session(session).with(csrf())
                .param("device", device).param("code", enrolled.recoveryCodes().get(1))).andReturn().getResponse(),
                401);

        assertThat(refused.select("[role=alert]").text()).isEqualTo(DEVICE_CODE_NEEDED);
        assertThat(refusedWithCode.select("[role=alert]").text()).isEqualTo(DEVICE_CODE_NEEDED);
        assertThat(names(devicesPage(session))).contains("Authenticator");
        verify(login("alice"), enrolled.recoveryCodes().get(1));
        assertThat(page(mvc.perform(html("/otp/setup").session(session)).andReturn().getResponse(), 200)
                .getElementById("otpauth-link")).as("a fresh recovery code is enough to add a device").isNotNull();
        assertThat(page(mvc.perform(post("/otp/devices/recovery-codes").session(session).with(csrf())).andReturn()
                .getResponse(), 200).select("#recovery-codes li").eachText())
                .as("a fresh recovery code is enough for new recovery codes").hasSize(5);
        MockHttpServletResponse removed = mvc.perform(post("/otp/devices/remove").session(session).with(csrf())
                .param("device", device).param("code", code(enrolled.secret()))).andReturn().getResponse();
        assertThat(removed.getStatus()).as("a code from the authenticator is").isEqualTo(302);
    }

    @Test
    void setupWhenADeviceExistsAndStaleThenTheCodePromptAsksAgainAndComesBack() throws Exception {
        MockHttpSession session = login("bob");
        Enrolled enrolled = enrol(session);
        clock.advance(STALE);

        MockHttpServletResponse sent = mvc.perform(html("/otp/setup").session(session)).andReturn().getResponse();

        assertThat(sent.getStatus()).isEqualTo(302);
        assertThat(sent.getRedirectedUrl()).isEqualTo("/otp/verify?step-up");
        Document prompt = page(mvc.perform(html("/otp/verify?step-up").session(session)).andReturn().getResponse(),
                200);
        assertThat(prompt.text()).contains("confirm it is you");
        MockHttpServletResponse back = mvc.perform(post("/otp/verify").session(session).with(csrf())
                .param("code", code(enrolled.secret()))).andReturn().getResponse();
        assertThat(back.getStatus()).isEqualTo(302);
        assertThat(back.getRedirectedUrl()).startsWith("http://localhost/otp/setup");
        assertThat(page(mvc.perform(html(back.getRedirectedUrl()).session(session)).andReturn().getResponse(), 200)
                .getElementById("otpauth-link")).isNotNull();
        assertThat(mvc.perform(html("/otp/verify?step-up").session(session)).andReturn().getResponse().getStatus())
                .as("fresh: the prompt is not shown").isEqualTo(302);
    }

    /** Sets up and confirms a TOTP device on the pages: the session has a fresh factor. */
    private Enrolled enrol(MockHttpSession session) throws Exception {
        Document setup = page(mvc.perform(html("/otp/setup").session(session)).andReturn().getResponse(), 200);
        OtpSecret secret = OtpAuthUri.parse(setup.getElementById("otpauth-link").attr("href")).secret();
        List<String> codes = page(mvc.perform(post("/otp/setup").session(session).with(csrf())
                .param("code", code(secret))).andReturn().getResponse(), 200).select("#recovery-codes li").eachText();
        clock.advance(Duration.ofSeconds(30));
        return new Enrolled(secret, codes);
    }

    private record Enrolled(OtpSecret secret, List<String> recoveryCodes) {
    }

    private void verify(MockHttpSession session, String code) throws Exception {
        MockHttpServletResponse verified = mvc.perform(post("/otp/verify").session(session).with(csrf())
                .param("code", code)).andReturn().getResponse();
        assertThat(verified.getStatus()).as(verified.getContentAsString()).isEqualTo(302);
    }

    private Document devicesPage(MockHttpSession session) throws Exception {
        return page(mvc.perform(html("/otp/devices").session(session)).andReturn().getResponse(), 200);
    }

    private static List<String> names(Document devices) {
        return devices.select("table tr td:first-child").eachText();
    }

    private static MockHttpServletRequestBuilder html(String path) {
        return get(path).accept(MediaType.TEXT_HTML, MediaType.ALL);
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
}
