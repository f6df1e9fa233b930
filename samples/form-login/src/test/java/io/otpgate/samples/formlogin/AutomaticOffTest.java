package io.otpgate.samples.formlogin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Instant;

import org.jsoup.Jsoup;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.test.web.servlet.MockMvc;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;

/**
 * With {@code otpgate.security.automatic=false} the starter leaves the application's chains alone (it would apply
 * {@code OtpgateConfigurer} to chosen ones itself): a user with a device is not asked for a code, and an admin is not
 * sent to enrol. The pages still work.
 */
@SpringBootTest(properties = { "otpgate.secrets.keys=1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
    "otpgate.security.automatic=false" })
@AutoConfigureMockMvc
@Import(FormLoginWithOtpTest.Clocks.class)
class AutomaticOffTest {

    @Autowired MockMvc mvc;
    @Autowired FormLoginWithOtpTest.MutableClock clock;

    @Test
    void automaticOffThenTheApplicationsChainsAreLeftAlone() throws Exception {
        clock.set(Instant.parse("2026-12-04T09:00:00Z"));
        MockHttpSession session = login("alice", "alice-password");
        String page = mvc.perform(get("/otp/setup").session(session).accept(MediaType.TEXT_HTML)).andReturn()
                .getResponse().getContentAsString();
        OtpSecret secret = OtpAuthUri.parse(Jsoup.parse(page).getElementById("otpauth-link").attr("href")).secret();
        assertThat(mvc.perform(post("/otp/setup").session(session).with(csrf())
                .param("code", Totp.defaults().generate(secret, clock.instant()))).andReturn().getResponse()
                .getStatus()).isEqualTo(200);

        MockHttpSession again = login("alice", "alice-password");
        assertThat(mvc.perform(get("/").session(again).accept(MediaType.TEXT_HTML)).andReturn().getResponse()
                .getStatus()).as("no code asked: otpgate is not on the chain").isEqualTo(200);
        MockHttpSession admin = login("admin", "admin-password");
        assertThat(mvc.perform(get("/admin").session(admin).accept(MediaType.TEXT_HTML)).andReturn().getResponse()
                .getStatus()).isEqualTo(200);
    }

    private MockHttpSession login(String username, String password) throws Exception {
        return (MockHttpSession) mvc.perform(post("/login").with(csrf()).param("username", username)
                .param("password", password)).andReturn().getRequest().getSession();
    }
}
