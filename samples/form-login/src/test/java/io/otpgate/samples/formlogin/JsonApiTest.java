package io.otpgate.samples.formlogin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;
import java.time.Instant;

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

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON API under {@code /otp/api} with a session (a single-page application on the sample): the seed's
 * endpoints, names and messages; a code adds the factor to the session; bad input is a 4xx problem and no attempt.
 */
@SpringBootTest(properties = "otpgate.secrets.keys=1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=")
@AutoConfigureMockMvc
@Import(FormLoginWithOtpTest.Clocks.class)
class JsonApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired MockMvc mvc;
    @Autowired FormLoginWithOtpTest.MutableClock clock;

    @BeforeEach
    void now() {
        clock.set(Instant.parse("2026-12-03T09:00:00Z"));
    }

    @Test
    void statusCreateLoginThenRecoveryCodesAndDelete() throws Exception {
        MockHttpSession session = login("dave", "dave-password");
        assertThat(json(call(get("/otp/api/totp/status"), session, null), 200).get("isOtpEnabled").asBoolean())
                .isFalse();

        JsonNode created = json(call(post("/otp/api/totp/create"), session, null), 201);
        assertThat(created.get("message").asString()).isEqualTo("OTP device created successfully");
        assertThat(created.get("recoveryCodes").size()).isEqualTo(5);
        OtpSecret secret = OtpAuthUri.parse(created.get("otpUrl").asString()).secret();

        assertThat(json(call(post("/otp/api/totp/login"), session, "{\"token\":\"12ab\"}"), 400).get("detail")
                .asString()).isEqualTo("`token` must be 6 to 8 digits");
        assertThat(json(call(post("/otp/api/totp/login"), session, "{\"token\":\"000000\"}"), 400).get("detail")
                .asString()).isEqualTo("Invalid 2FA token, or invalid 2FA device.");
        MockHttpServletResponse throttled = call(post("/otp/api/totp/login"), session,
                "{\"token\":\"" + code(secret) + "\"}");
        assertThat(throttled.getStatus()).isEqualTo(429);
        assertThat(throttled.getHeader("Retry-After")).isEqualTo("1");
        clock.advance(Duration.ofSeconds(1));
        JsonNode verified = json(call(post("/otp/api/totp/login"), session, "{\"token\":\"" + code(secret) + "\"}"),
                200);
        assertThat(verified.get("device").asString()).startsWith("totp/");
        assertThat(json(call(get("/otp/api/totp/status"), session, null), 200).get("isOtpEnabled").asBoolean())
                .isTrue();
        assertThat(json(call(post("/otp/api/totp/create"), session, null), 201).has("otpUrl"))
                .as("a session that proved the factor may add a device").isTrue();

        // A new session of the same user: the factor is missing, so protected endpoints refuse.
        MockHttpSession other = login("dave", "dave-password");
        assertThat(call(post("/otp/api/totp/recovery_code/create"), other, null).getStatus()).isEqualTo(403);
        assertThat(json(call(post("/otp/api/totp/create"), other, null), 409).get("detail").asString())
                .isEqualTo("2FA is already enabled, please disable it first.");
        clock.advance(Duration.ofSeconds(30));
        json(call(post("/otp/api/totp/login"), other, "{\"token\":\"" + code(secret) + "\"}"), 200);
        JsonNode codes = json(call(post("/otp/api/totp/recovery_code/create"), other, null), 201);
        assertThat(codes.size()).isEqualTo(5);

        MockHttpSession third = login("dave", "dave-password");
        assertThat(json(call(post("/otp/api/totp/recovery_code/login"), third, "{\"token\":\"no_such;code\"}"),
                400).get("detail").asString()).contains("recovery code");
        json(call(post("/otp/api/totp/recovery_code/login"), third, "{\"token\":\"" + codes.get(0).asString()
                + "\"}"), 200);
        assertThat(call(delete("/otp/api/totp/delete"), third, null).getStatus())
                .as("a recovery code is not enough to turn 2FA off").isEqualTo(401);
        clock.advance(Duration.ofSeconds(30));
        json(call(post("/otp/api/totp/login"), third, "{\"token\":\"" + code(secret) + "\"}"), 200);
        assertThat(json(call(delete("/otp/api/totp/delete"), third, null), 200).get("message").asString())
                .isEqualTo("2FA disabled.");
        assertThat(json(call(get("/otp/api/totp/status"), third, null), 200).get("isOtpEnabled").asBoolean())
                .isFalse();
    }

    @Test
    void loginWhenBodyIsNotJsonThenBadRequestAndNoAttempt() throws Exception {
        MockHttpSession session = login("erin", "erin-password");

        MockHttpServletResponse answer = mvc.perform(post("/otp/api/totp/login").session(session).with(csrf())
                .contentType(MediaType.APPLICATION_JSON).content("{not json")).andReturn().getResponse();

        assertThat(answer.getStatus()).isEqualTo(400);
    }

    private MockHttpServletResponse call(org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder
            request, MockHttpSession session, String body) throws Exception {
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

    private MockHttpSession login(String username, String password) throws Exception {
        MvcResult result = mvc.perform(post("/login").with(csrf()).param("username", username)
                .param("password", password)).andReturn();
        assertThat(result.getResponse().getRedirectedUrl()).doesNotContain("error");
        return (MockHttpSession) result.getRequest().getSession();
    }

    private String code(OtpSecret secret) {
        return Totp.defaults().generate(secret, clock.instant());
    }
}
