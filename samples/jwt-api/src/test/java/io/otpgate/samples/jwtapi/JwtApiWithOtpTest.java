package io.otpgate.samples.jwtapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The seed's flow over HTTP on an application that mints its own JWTs: a password token, enrolment through the
 * starter's JSON API, a code that earns a token carrying {@code otp_device_id}, {@code amr} and {@code auth_time},
 * read back as {@code FACTOR_OTP}; the password token refused once a device exists; a replayed code refused; the
 * device removed, and its token no longer carries the factor at once.
 */
@SpringBootTest(properties = "otpgate.secrets.keys=1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=")
@AutoConfigureMockMvc
@Import(JwtApiWithOtpTest.Clocks.class)
class JwtApiWithOtpTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired MockMvc mvc;
    @Autowired MutableClock clock;

    @Test
    void passwordThenEnrolThenCodeThenDeviceRemoved() throws Exception {
        // Real time (the decoder checks expiry against it), on a step boundary so codes are predictable.
        clock.set(Instant.now().truncatedTo(ChronoUnit.MINUTES));
        String password = json(call(post("/api/token"), null, "{\"username\":\"alice\",\"password\":"
                + "\"alice-password\"}"), 200).get("access").asString();
        assertThat(authorities(password)).doesNotContain("FACTOR_OTP");
        assertThat(claims(password).get("amr").toString()).isEqualTo("[\"pwd\"]");

        JsonNode setup = json(call(post("/otp/api/totp/create"), password, null), 201);
        OtpSecret secret = OtpAuthUri.parse(setup.get("otpUrl").asString()).secret();
        String code = Totp.defaults().generate(secret, clock.instant());
        String verified = json(call(post("/api/token/otp"), password, "{\"token\":\"" + code + "\"}"), 200)
                .get("access").asString();

        JsonNode claims = claims(verified);
        assertThat(claims.get("otp_device_id").asString()).startsWith("totp/");
        assertThat(claims.get("amr").toString()).isEqualTo("[\"pwd\",\"otp\",\"mfa\"]");
        assertThat(claims.get("auth_time").asLong()).isEqualTo(claims(password).get("auth_time").asLong());
        assertThat(authorities(verified)).contains("FACTOR_OTP", "OTP_TOTP");
        MockHttpServletResponse refused = call(get("/api/me"), password, null);
        assertThat(refused.getStatus()).as("the password alone, once a device exists").isEqualTo(403);
        assertThat(refused.getContentAsString()).contains("/otp/verify");
        assertThat(json(call(post("/api/token/otp"), password, "{\"token\":\"" + code + "\"}"), 400).get("detail")
                .asString()).as("a replayed code").isEqualTo("Invalid 2FA token, or invalid 2FA device.");
        assertThat(call(post("/api/token/otp"), password, "{\"token\":\"drop;table\"}").getStatus()).isEqualTo(400);
        // The replayed code was a failure: the next code waits a second, whatever the device.
        clock.advance(Duration.ofSeconds(1));
        String recovered = json(call(post("/api/token/otp"), password, "{\"token\":\""
                + setup.get("recoveryCodes").get(0).asString() + "\"}"), 200).get("access").asString();
        assertThat(claims(recovered).get("amr").toString()).as("a recovery code is not an authenticator's code")
                .isEqualTo("[\"pwd\",\"recovery\",\"mfa\"]");
        assertThat(authorities(recovered)).contains("FACTOR_OTP", "OTP_STATIC");

        json(call(delete("/otp/api/totp/delete"), verified, null), 200);
        assertThat(authorities(verified)).as("the device is gone: its token no longer proves it")
                .doesNotContain("FACTOR_OTP");
        assertThat(call(get("/api/me"), password, null).getStatus()).isEqualTo(200);
    }

    @Test
    void tokenWhenWrongPasswordThenUnauthorized() throws Exception {
        assertThat(call(post("/api/token"), null, "{\"username\":\"bob\",\"password\":\"wrong\"}").getStatus())
                .isEqualTo(401);
        assertThat(call(get("/api/me"), "not.a.token", null).getStatus()).isEqualTo(401);
    }

    private java.util.List<String> authorities(String token) throws Exception {
        return json(call(get("/api/me"), token, null), 200).get("authorities").valueStream()
                .map(JsonNode::asString).toList();
    }

    private static JsonNode claims(String jwt) {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }

    private MockHttpServletResponse call(MockHttpServletRequestBuilder request, String token, String body)
            throws Exception {
        request.accept(MediaType.APPLICATION_JSON);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            request.contentType(MediaType.APPLICATION_JSON).content(body);
        }
        return mvc.perform(request).andReturn().getResponse();
    }

    private static JsonNode json(MockHttpServletResponse response, int status) throws Exception {
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(status);
        return JSON.readTree(response.getContentAsString());
    }

    /** A clock the test sets. */
    static final class MutableClock extends Clock {
        private volatile Instant now = Instant.now();

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
