package io.otpgate.samples.formlogin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;
import java.time.Instant;

import org.jsoup.Jsoup;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.test.web.servlet.MockMvc;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;

/**
 * The throttle and the account lock in an application that adds the starter: after a wrong code the next one waits
 * (429 with Retry-After, not counted); after the limit of consecutive failures even the right code is refused until
 * the lock ends.
 */
@SpringBootTest(properties = { "otpgate.secrets.keys=1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
    "otpgate.verification.account-failure-limit=3", "otpgate.verification.account-lock-duration=1h" })
@AutoConfigureMockMvc
@Import(FormLoginWithOtpTest.Clocks.class)
class AccountLockTest {

    @Autowired MockMvc mvc;
    @Autowired FormLoginWithOtpTest.MutableClock clock;

    @Test
    void verifyWhenFailuresReachTheLimitThenEvenTheRightCodeIsRefusedUntilTheLockEnds() throws Exception {
        clock.set(Instant.parse("2026-12-05T09:00:00Z"));
        MockHttpSession first = login();
        String page = mvc.perform(get("/otp/setup").session(first).accept(MediaType.TEXT_HTML)).andReturn()
                .getResponse().getContentAsString();
        OtpSecret secret = OtpAuthUri.parse(Jsoup.parse(page).getElementById("otpauth-link").attr("href")).secret();
        assertThat(verifyStatus("/otp/setup", first, code(secret))).isEqualTo(200);

        MockHttpSession session = login();
        clock.advance(Duration.ofMinutes(1));
        assertThat(verifyStatus("/otp/verify", session, "000000")).isEqualTo(400);
        MockHttpServletResponse waiting = mvc.perform(post("/otp/verify").session(session).with(csrf())
                .param("code", code(secret))).andReturn().getResponse();
        assertThat(waiting.getStatus()).as("during the wait, not checked").isEqualTo(429);
        assertThat(waiting.getHeader("Retry-After")).isEqualTo("1");
        clock.advance(Duration.ofMinutes(1));
        assertThat(verifyStatus("/otp/verify", session, "111111")).isEqualTo(400);
        clock.advance(Duration.ofMinutes(1));
        assertThat(verifyStatus("/otp/verify", session, "222222")).isEqualTo(400);

        clock.advance(Duration.ofMinutes(1));
        MockHttpServletResponse locked = mvc.perform(post("/otp/verify").session(session).with(csrf())
                .param("code", code(secret))).andReturn().getResponse();
        assertThat(locked.getStatus()).as("locked: the right code is refused").isEqualTo(429);
        assertThat(Jsoup.parse(locked.getContentAsString()).select("[role=alert]").text()).contains("locked");

        clock.advance(Duration.ofHours(1));
        assertThat(verifyStatus("/otp/verify", session, code(secret))).as("the lock has ended").isEqualTo(302);
    }

    private int verifyStatus(String path, MockHttpSession session, String code) throws Exception {
        return mvc.perform(post(path).session(session).with(csrf()).param("code", code)).andReturn().getResponse()
                .getStatus();
    }

    private MockHttpSession login() throws Exception {
        return (MockHttpSession) mvc.perform(post("/login").with(csrf()).param("username", "alice")
                .param("password", "alice-password")).andReturn().getRequest().getSession();
    }

    private String code(OtpSecret secret) {
        return Totp.defaults().generate(secret, clock.instant());
    }
}
