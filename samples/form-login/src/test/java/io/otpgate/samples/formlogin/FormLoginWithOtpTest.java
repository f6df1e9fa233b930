package io.otpgate.samples.formlogin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
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
 * The sample as its users meet it, through MockMvc with a session per browser: a user without a device is not
 * affected; enrolment through /otp/setup with a code computed from the otpauth URI on the page; after logout and
 * password login a protected page sends the user to /otp/verify and a valid code brings them back; a replayed or
 * wrong code is refused; a recovery code works once; an admin must enrol first.
 */
@SpringBootTest(properties = "otpgate.secrets.keys=1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=")
@AutoConfigureMockMvc
@Import(FormLoginWithOtpTest.Clocks.class)
class FormLoginWithOtpTest {

    @Autowired MockMvc mvc;
    @Autowired MutableClock clock;

    @BeforeEach
    void now() {
        clock.set(Instant.parse("2026-12-01T09:00:00Z"));
    }

    @Test
    void userWithoutADeviceIsNotAffected() throws Exception {
        MockHttpSession bob = login("bob", "bob-password");

        MockHttpServletResponse home = mvc.perform(html("/").session(bob)).andReturn().getResponse();

        assertThat(home.getStatus()).isEqualTo(200);
        assertThat(authorities(home)).contains("FACTOR_PASSWORD").doesNotContain("FACTOR_OTP");
    }

    @Test
    void enrolThenLoginWithACodeThenRecoveryCodeOnce() throws Exception {
        MockHttpSession first = login("alice", "alice-password");

        Document setup = page(mvc.perform(html("/otp/setup").session(first)).andReturn().getResponse(), 200);
        String href = setup.getElementById("otpauth-link").attr("href");
        OtpSecret secret = OtpAuthUri.parse(href).secret();
        assertThat(setup.getElementById("secret").text()).isEqualTo(secret.exposeBase32());
        assertThat(setup.getElementById("qr-code").attr("src")).startsWith("data:image/png;base64,");
        Document done = page(mvc.perform(post("/otp/setup").session(first).with(csrf())
                .param("code", code(secret))).andReturn().getResponse(), 200);
        List<String> recoveryCodes = done.select("#recovery-codes li").eachText();
        assertThat(recoveryCodes).hasSize(5);
        assertThat(authorities(mvc.perform(html("/").session(first)).andReturn().getResponse()))
                .contains("FACTOR_PASSWORD", "FACTOR_OTP", "OTP_TOTP");

        // A new login: the password alone no longer reaches the application's pages.
        clock.advance(Duration.ofSeconds(30));
        MockHttpSession second = login("alice", "alice-password");
        MockHttpServletResponse asked = mvc.perform(html("/?from=bookmark").session(second)).andReturn()
                .getResponse();
        assertThat(asked.getStatus()).isEqualTo(302);
        assertThat(asked.getRedirectedUrl()).endsWith("/otp/verify");
        assertThat(mvc.perform(html("/otp/verify").session(second)).andReturn().getResponse().getStatus())
                .isEqualTo(200);
        assertThat(mvc.perform(post("/otp/verify").session(second).with(csrf()).param("code", "000000"))
                .andReturn().getResponse().getStatus()).as("a wrong code").isEqualTo(400);
        clock.advance(Duration.ofSeconds(2));
        String code = code(secret);
        MockHttpServletResponse verified = mvc.perform(post("/otp/verify").session(second).with(csrf())
                .param("code", code)).andReturn().getResponse();
        assertThat(verified.getStatus()).isEqualTo(302);
        assertThat(verified.getRedirectedUrl()).contains("/?from=bookmark");
        assertThat(authorities(mvc.perform(html("/").session(second)).andReturn().getResponse()))
                .contains("FACTOR_PASSWORD", "FACTOR_OTP");

        // The same code in another session: used already.
        MockHttpSession third = login("alice", "alice-password");
        assertThat(mvc.perform(post("/otp/verify").session(third).with(csrf()).param("code", code))
                .andReturn().getResponse().getStatus()).as("a replayed code").isEqualTo(400);
        assertThat(mvc.perform(html("/").session(third)).andReturn().getResponse().getStatus()).isEqualTo(302);

        // A recovery code, once.
        clock.advance(Duration.ofSeconds(5));
        MockHttpServletResponse recovered = mvc.perform(post("/otp/verify").session(third).with(csrf())
                .param("code", recoveryCodes.get(0))).andReturn().getResponse();
        assertThat(recovered.getStatus()).isEqualTo(302);
        assertThat(authorities(mvc.perform(html("/").session(third)).andReturn().getResponse()))
                .contains("FACTOR_OTP", "OTP_STATIC");
        clock.advance(Duration.ofSeconds(5));
        MockHttpSession fourth = login("alice", "alice-password");
        assertThat(mvc.perform(post("/otp/verify").session(fourth).with(csrf()).param("code", recoveryCodes.get(0)))
                .andReturn().getResponse().getStatus()).as("a used recovery code").isEqualTo(400);
    }

    @Test
    void requestThatIsNotForAPageWhenTheFactorIsMissingThenForbiddenWithoutStartingASetup() throws Exception {
        MockHttpSession admin = login("admin2", "admin2-password");

        MockHttpServletResponse icon = mvc.perform(get("/favicon.ico").session(admin)
                .accept(MediaType.IMAGE_PNG)).andReturn().getResponse();
        MockHttpServletResponse api = mvc.perform(post("/").session(admin).with(csrf())
                .accept(MediaType.APPLICATION_JSON)).andReturn().getResponse();

        assertThat(icon.getStatus()).isEqualTo(403);
        assertThat(icon.getContentType()).startsWith("application/problem+json");
        assertThat(icon.getContentAsString()).contains("/otp/setup");
        assertThat(api.getStatus()).isEqualTo(403);
        MockHttpServletResponse home = mvc.perform(html("/").session(admin)).andReturn().getResponse();
        assertThat(home.getRedirectedUrl()).endsWith("/otp/setup");
    }

    @Test
    void devicesPageListsMakesNewRecoveryCodesAndRemovesADeviceAfterAFreshCode() throws Exception {
        MockHttpSession session = login("frank", "frank-password");
        Document setup = page(mvc.perform(html("/otp/setup").session(session)).andReturn().getResponse(), 200);
        OtpSecret secret = OtpAuthUri.parse(setup.getElementById("otpauth-link").attr("href")).secret();
        List<String> first = page(mvc.perform(post("/otp/setup").session(session).with(csrf())
                .param("code", code(secret))).andReturn().getResponse(), 200).select("#recovery-codes li").eachText();

        Document devices = page(mvc.perform(html("/otp/devices").session(session)).andReturn().getResponse(), 200);
        assertThat(devices.select("table tr td:first-child").eachText()).containsExactly("Authenticator", "Backup");
        String device = devices.select("#device option").first().attr("value");
        assertThat(device).startsWith("totp/");

        List<String> fresh = page(mvc.perform(post("/otp/devices/recovery-codes").session(session).with(csrf()))
                .andReturn().getResponse(), 200).select("#recovery-codes li").eachText();
        assertThat(fresh).hasSize(5).doesNotContainAnyElementsOf(first);

        clock.advance(Duration.ofSeconds(30));
        assertThat(mvc.perform(post("/otp/devices/remove").session(session).with(csrf()).param("device", device)
                .param("code", "000000")).andReturn().getResponse().getStatus()).as("a wrong code").isEqualTo(400);
        assertThat(mvc.perform(post("/otp/devices/remove").session(session).with(csrf()).param("device", "totp/x")
                .param("code", code(secret))).andReturn().getResponse().getStatus()).as("no such device")
                .isEqualTo(400);
        clock.advance(Duration.ofSeconds(2));
        MockHttpServletResponse removed = mvc.perform(post("/otp/devices/remove").session(session).with(csrf())
                .param("device", device).param("code", code(secret))).andReturn().getResponse();
        assertThat(removed.getStatus()).isEqualTo(302);
        assertThat(page(mvc.perform(html("/otp/devices").session(session)).andReturn().getResponse(), 200)
                .select("table tr td:first-child").eachText()).containsExactly("Backup");
        MockHttpSession later = login("frank", "frank-password");
        assertThat(mvc.perform(html("/").session(later)).andReturn().getResponse().getStatus())
                .as("recovery codes alone still ask for a code").isEqualTo(302);
    }

    @Test
    void adminWithoutADeviceMustEnrolFirst() throws Exception {
        MockHttpSession admin = login("admin", "admin-password");

        MockHttpServletResponse home = mvc.perform(html("/").session(admin)).andReturn().getResponse();

        assertThat(home.getStatus()).isEqualTo(302);
        assertThat(home.getRedirectedUrl()).endsWith("/otp/setup");
        Document setup = page(mvc.perform(html("/otp/setup").session(admin)).andReturn().getResponse(), 200);
        OtpSecret secret = OtpAuthUri.parse(setup.getElementById("otpauth-link").attr("href")).secret();
        page(mvc.perform(post("/otp/setup").session(admin).with(csrf()).param("code", code(secret))).andReturn()
                .getResponse(), 200);
        MockHttpServletResponse after = mvc.perform(html("/admin").session(admin)).andReturn().getResponse();
        assertThat(after.getStatus()).isEqualTo(200);
        assertThat(authorities(after)).contains("ROLE_ADMIN", "FACTOR_OTP");
    }

    @Test
    void setupWhenWrongCodeThenTheSameKeyIsShownAgainAndNothingChanges() throws Exception {
        MockHttpSession session = login("carol", "carol-password");
        Document setup = page(mvc.perform(html("/otp/setup").session(session)).andReturn().getResponse(), 200);
        String key = setup.getElementById("secret").text();

        Document refused = page(mvc.perform(post("/otp/setup").session(session).with(csrf()).param("code", "12"))
                .andReturn().getResponse(), 400);

        assertThat(refused.getElementById("secret").text()).isEqualTo(key);
        assertThat(refused.select("[role=alert]").text()).isEqualTo("That code did not work. Check it and try again.");
        assertThat(authorities(mvc.perform(html("/").session(session)).andReturn().getResponse()))
                .doesNotContain("FACTOR_OTP");
        page(mvc.perform(post("/otp/setup").session(session).with(csrf())
                .param("code", code(OtpSecret.fromBase32(key)))).andReturn().getResponse(), 200);
    }

    /**
     * Someone with the password tries codes from elsewhere; at the owner's next login a page says how many, with a
     * link on to where the owner was going.
     */
    @Test
    void verifyAfterWrongCodesFromElsewhereThenAPageSaysHowManyBeforeGoingOn() throws Exception {
        MockHttpSession owner = login("grace", "grace-password");
        Document setup = page(mvc.perform(html("/otp/setup").session(owner)).andReturn().getResponse(), 200);
        OtpSecret secret = OtpAuthUri.parse(setup.getElementById("otpauth-link").attr("href")).secret();
        page(mvc.perform(post("/otp/setup").session(owner).with(csrf()).param("code", code(secret))).andReturn()
                .getResponse(), 200);
        for (int i = 0; i < 2; i++) {
            clock.advance(Duration.ofMinutes(20));
            MockHttpSession stranger = login("grace", "grace-password");
            assertThat(mvc.perform(post("/otp/verify").session(stranger).with(csrf()).param("code", "000000")
                    .with(r -> {
                        r.setRemoteAddr("203.0.113.7");
                        return r;
                    })).andReturn().getResponse().getStatus()).isEqualTo(400);
        }
        clock.advance(Duration.ofMinutes(20));

        MockHttpSession later = login("grace", "grace-password");
        mvc.perform(html("/?from=bookmark").session(later));
        Document told = page(mvc.perform(post("/otp/verify").session(later).with(csrf()).param("code", code(secret)))
                .andReturn().getResponse(), 200);

        assertThat(told.getElementById("wrong-codes").text()).startsWith("2 wrong codes were tried");
        assertThat(told.getElementById("continue").attr("href")).contains("/?from=bookmark");
        assertThat(authorities(mvc.perform(html("/").session(later)).andReturn().getResponse()))
                .contains("FACTOR_OTP");
    }

    /** A page request, as a browser sends it. */
    private static MockHttpServletRequestBuilder html(String path) {
        return get(path).accept(MediaType.TEXT_HTML, MediaType.ALL);
    }

    private MockHttpSession login(String username, String password) throws Exception {
        MvcResult result = mvc.perform(post("/login").with(csrf()).param("username", username)
                .param("password", password)).andReturn();
        assertThat(result.getResponse().getStatus()).as("login of %s", username).isEqualTo(302);
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

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private volatile Instant now = Instant.EPOCH;

        void set(Instant instant) {
            now = instant;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @TestConfiguration
    static class Clocks {
        @Bean
        MutableClock clock() {
            return new MutableClock();
        }
    }
}
