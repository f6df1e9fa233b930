package io.otpgate.samples.formlogin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Step-up in the JSON API: turning 2FA off, new recovery codes and adding a device when one exists need a second
 * factor proven within {@code otpgate.policy.step-up-within} (5 minutes); otherwise RFC 9470's 401, and a code sent
 * to {@code totp/login} makes the session fresh again. A recovery code is enough for new codes and a new device,
 * not for turning 2FA off. (Its own context, so its own database: the users are fresh.)
 */
@SpringBootTest(properties = { "otpgate.secrets.keys=1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
    "otpgate.policy.step-up-within=5m" })
@AutoConfigureMockMvc
@Import(FormLoginWithOtpTest.Clocks.class)
class StepUpJsonApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration STALE = Duration.ofMinutes(5).plusSeconds(1);
    static final String STALE_CHALLENGE = "Bearer error=\"insufficient_user_authentication\", "
            + "error_description=\"This action needs a second factor verified in the last 300 seconds: verify a "
            + "code again with POST /otp/api/totp/login, then repeat this request\", max_age=300";

    @Autowired MockMvc mvc;
    @Autowired FormLoginWithOtpTest.MutableClock clock;

    @BeforeEach
    void now() {
        clock.set(Instant.parse("2026-12-07T09:00:00Z"));
    }

    @Test
    void deleteWhenFactorOlderThanTheWindowThenUnauthorizedWithChallengeAndAfterAFreshCodeDisabled()
            throws Exception {
        MockHttpSession session = login("alice", "alice-password");
        OtpSecret secret = enrol(session).secret();
        clock.advance(Duration.ofMinutes(5));
        assertThat(call(get("/otp/api/totp/status"), session, null).getStatus()).isEqualTo(200);
        clock.advance(Duration.ofSeconds(1));

        MockHttpServletResponse refused = call(delete("/otp/api/totp/delete"), session, null);

        assertThat(refused.getStatus()).isEqualTo(401);
        assertThat(refused.getHeader("WWW-Authenticate")).isEqualTo(STALE_CHALLENGE);
        assertThat(refused.getContentType()).isEqualTo("application/problem+json");
        JsonNode problem = JSON.readTree(refused.getContentAsString());
        assertThat(problem.get("detail").asString()).isEqualTo("This action needs a second factor verified in the "
                + "last 300 seconds: verify a code again with POST /otp/api/totp/login, then repeat this request");
        assertThat(problem.get("error").asString()).isEqualTo("insufficient_user_authentication");
        assertThat(problem.get("max_age").asLong()).isEqualTo(300);
        assertThat(enabled(session)).as("nothing was removed").isTrue();

        json(call(post("/otp/api/totp/login"), session, token(code(secret))), 200);
        assertThat(json(call(delete("/otp/api/totp/delete"), session, null), 200).get("message").asString())
                .isEqualTo("2FA disabled.");
        assertThat(enabled(session)).isFalse();
    }

    @Test
    void recoveryCodesWhenStaleThenUnauthorizedAndAfterACodeIssued() throws Exception {
        MockHttpSession session = login("bob", "bob-password");
        OtpSecret secret = enrol(session).secret();
        assertThat(json(call(post("/otp/api/totp/recovery_code/create"), session, null), 201).size())
                .as("fresh: allowed").isEqualTo(5);
        clock.advance(STALE);

        MockHttpServletResponse refused = call(post("/otp/api/totp/recovery_code/create"), session, null);

        assertThat(refused.getStatus()).isEqualTo(401);
        assertThat(refused.getHeader("WWW-Authenticate")).isEqualTo("Bearer error=\"insufficient_user_"
                + "authentication\", error_description=\"This action needs a second factor verified in the last 300 "
                + "seconds: verify a code again with POST /otp/api/totp/login (or a recovery code with POST "
                + "/otp/api/totp/recovery_code/login), then repeat this request\", max_age=300");
        json(call(post("/otp/api/totp/login"), session, token(code(secret))), 200);
        assertThat(json(call(post("/otp/api/totp/recovery_code/create"), session, null), 201).size()).isEqualTo(5);
    }

    /** The recovery-code rule, both ways: enough for new codes and a new device, not for turning 2FA off. */
    @Test
    void freshRecoveryCodeThenNewCodesAndNewDeviceAllowedButTurningOffNeedsADeviceCode() throws Exception {
        MockHttpSession session = login("carol", "carol-password");
        Enrolled enrolled = enrol(session);
        clock.advance(STALE);
        assertThat(call(post("/otp/api/totp/create"), session, null).getStatus()).as("stale: refused")
                .isEqualTo(401);

        MockHttpSession other = login("carol", "carol-password");
        json(call(post("/otp/api/totp/recovery_code/login"), other, token(enrolled.recoveryCodes().get(0))), 200);
        assertThat(json(call(post("/otp/api/totp/create"), other, null), 201).has("otpUrl"))
                .as("a fresh recovery code is enough to add a device").isTrue();
        assertThat(json(call(post("/otp/api/totp/recovery_code/create"), other, null), 201).size())
                .as("a fresh recovery code is enough for new recovery codes").isEqualTo(5);
        MockHttpServletResponse turnOff = call(delete("/otp/api/totp/delete"), other, null);

        assertThat(turnOff.getStatus()).as("a recovery code is not enough to turn 2FA off").isEqualTo(401);
        assertThat(turnOff.getHeader("WWW-Authenticate")).isEqualTo("Bearer error=\"insufficient_user_"
                + "authentication\", error_description=\"A recovery code is not enough for this action: verify a code "
                + "from your authenticator with POST /otp/api/totp/login (or a passkey with POST /otp/api/webauthn/login), "
                + "then repeat this request\", max_age=300");
        assertThat(enabled(other)).isTrue();
        json(call(post("/otp/api/totp/login"), other, token(code(enrolled.secret()))), 200);
        assertThat(json(call(delete("/otp/api/totp/delete"), other, null), 200).get("message").asString())
                .isEqualTo("2FA disabled.");
    }

    @Test
    void createWhenADeviceExistsAndStaleThenUnauthorizedAndAfterAFreshCodeCreated() throws Exception {
        MockHttpSession session = login("dave", "dave-password");
        OtpSecret secret = enrol(session).secret();
        clock.advance(STALE);

        MockHttpServletResponse refused = call(post("/otp/api/totp/create"), session, null);

        assertThat(refused.getStatus()).isEqualTo(401);
        assertThat(refused.getHeader("WWW-Authenticate")).contains("error=\"insufficient_user_authentication\"")
                .endsWith("max_age=300");
        json(call(post("/otp/api/totp/login"), session, token(code(secret))), 200);
        assertThat(json(call(post("/otp/api/totp/create"), session, null), 201).has("otpUrl"))
                .as("totp/login on a session that had the factor renews it").isTrue();
    }

    /** A device set up and confirmed through the API: the session has a fresh factor. */
    private Enrolled enrol(MockHttpSession session) throws Exception {
        JsonNode created = json(call(post("/otp/api/totp/create"), session, null), 201);
        OtpSecret secret = OtpAuthUri.parse(created.get("otpUrl").asString()).secret();
        List<String> codes = created.get("recoveryCodes").valueStream().map(JsonNode::asString).toList();
        json(call(post("/otp/api/totp/login"), session, token(code(secret))), 200);
        clock.advance(Duration.ofSeconds(30));
        return new Enrolled(secret, codes);
    }

    private record Enrolled(OtpSecret secret, List<String> recoveryCodes) {
    }

    private boolean enabled(MockHttpSession session) throws Exception {
        return json(call(get("/otp/api/totp/status"), session, null), 200).get("isOtpEnabled").asBoolean();
    }

    private MockHttpServletResponse call(MockHttpServletRequestBuilder request, MockHttpSession session, String body)
            throws Exception {
        request.session(session).with(csrf()).accept(MediaType.APPLICATION_JSON);
        if (body != null) {
            request.contentType(MediaType.APPLICATION_JSON).content(body);
        }
        return mvc.perform(request).andReturn().getResponse();
    }

    private static String token(String code) {
        return "{\"token\":\"" + code + "\"}";
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
