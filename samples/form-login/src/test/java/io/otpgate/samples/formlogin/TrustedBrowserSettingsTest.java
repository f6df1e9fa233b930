package io.otpgate.samples.formlogin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;
import java.time.Instant;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Nested;
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

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.trust.TrustedBrowsers;
import jakarta.servlet.http.Cookie;

/** {@code otpgate.trusted-browser.duration} and {@code .enabled} as the sample's users see them. */
class TrustedBrowserSettingsTest {

    private static final String KEYS = "otpgate.secrets.keys=1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

    @Nested
    @SpringBootTest(properties = { KEYS, "otpgate.trusted-browser.duration=12h" })
    @AutoConfigureMockMvc
    @Import(FormLoginWithOtpTest.Clocks.class)
    class TwelveHours extends Steps {

        @Test
        void durationTwelveHoursThenTheCheckboxSaysSoAndTheCookieLastsThatLong() throws Exception {
            OtpSecret secret = enrol("alice");
            Document prompt = Jsoup.parse(mvc.perform(get("/otp/verify").session(login("alice"))
                    .accept(MediaType.TEXT_HTML)).andReturn().getResponse().getContentAsString());
            assertThat(prompt.select("label.remember").text())
                    .isEqualTo("Don't ask again on this browser for 12 hours");

            clock.advance(Duration.ofSeconds(30));
            MockHttpServletResponse verified = mvc.perform(post("/otp/verify").session(login("alice")).with(csrf())
                    .param("code", code(secret)).param("remember", "true")).andReturn().getResponse();

            assertThat(verified.getHeader("Set-Cookie")).contains("Max-Age=43200");
            String value = verified.getHeader("Set-Cookie").split("[=;]")[1];
            clock.advance(Duration.ofHours(12));
            assertThat(mvc.perform(get("/").session(login("alice")).cookie(new Cookie(COOKIE, value))
                    .accept(MediaType.TEXT_HTML)).andReturn().getResponse().getRedirectedUrl())
                    .endsWith("/otp/verify");
        }
    }

    @Nested
    @SpringBootTest(properties = { KEYS, "otpgate.trusted-browser.enabled=false" })
    @AutoConfigureMockMvc
    @Import(FormLoginWithOtpTest.Clocks.class)
    class Disabled extends Steps {

        @Autowired TrustedBrowsers browsers;
        @Autowired Accounts accounts;

        @Test
        void disabledThenNoCheckboxNoCookieAndAStoredOneIsNotHonoured() throws Exception {
            OtpSecret secret = enrol("bob");
            Document prompt = Jsoup.parse(mvc.perform(get("/otp/verify").session(login("bob"))
                    .accept(MediaType.TEXT_HTML)).andReturn().getResponse().getContentAsString());
            assertThat(prompt.select("input[name=remember]")).isEmpty();

            clock.advance(Duration.ofSeconds(30));
            MockHttpServletResponse verified = mvc.perform(post("/otp/verify").session(login("bob")).with(csrf())
                    .param("code", code(secret)).param("remember", "true")).andReturn().getResponse();
            assertThat(verified.getStatus()).isEqualTo(302);
            assertThat(verified.getHeaders("Set-Cookie")).noneMatch(c -> c.startsWith(COOKIE));

            String stored = browsers.remember(accounts.find("bob").orElseThrow().accountId(), null, null,
                    clock.instant());
            assertThat(mvc.perform(get("/").session(login("bob")).cookie(new Cookie(COOKIE, stored))
                    .accept(MediaType.TEXT_HTML)).andReturn().getResponse().getRedirectedUrl())
                    .endsWith("/otp/verify");
        }
    }

    abstract static class Steps {

        static final String COOKIE = "otpgate_trusted_browser";

        @Autowired MockMvc mvc;
        @Autowired FormLoginWithOtpTest.MutableClock clock;

        OtpSecret enrol(String username) throws Exception {
            clock.set(Instant.parse("2026-12-06T09:00:00Z"));
            MockHttpSession session = login(username);
            Document setup = Jsoup.parse(mvc.perform(get("/otp/setup").session(session).accept(MediaType.TEXT_HTML))
                    .andReturn().getResponse().getContentAsString());
            OtpSecret secret = OtpAuthUri.parse(setup.getElementById("otpauth-link").attr("href")).secret();
            assertThat(mvc.perform(post("/otp/setup").session(session).with(csrf()).param("code", code(secret)))
                    .andReturn().getResponse().getStatus()).isEqualTo(200);
            return secret;
        }

        MockHttpSession login(String username) throws Exception {
            MvcResult result = mvc.perform(post("/login").with(csrf()).param("username", username)
                    .param("password", username + "-password")).andReturn();
            assertThat(result.getResponse().getRedirectedUrl()).doesNotContain("error");
            return (MockHttpSession) result.getRequest().getSession();
        }

        String code(OtpSecret secret) {
            return Totp.defaults().generate(secret, clock.instant());
        }
    }
}
