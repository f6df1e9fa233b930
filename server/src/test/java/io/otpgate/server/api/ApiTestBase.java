package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.server.system.TestClock;
import io.otpgate.server.system.TestDatabases;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The REST API through MockMvc (the whole filter chain and the real services) on a fresh in-memory H2 database, with
 * a {@link TestClock}: tests compute codes for the clock's time. Each test gets its own user.
 */
@SpringBootTest(properties = "otpgate.login.free-failures-per-address=1000")
@AutoConfigureMockMvc
@Import(TestClock.Config.class)
public abstract class ApiTestBase {

    public static final String PASSWORD = "correct horse battery";
    public static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final AtomicInteger USERS = new AtomicInteger();
    protected static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired protected MockMvc mvc;
    @Autowired protected TestClock clock;
    @Autowired protected UserService userService;
    @Autowired protected JdbcClient jdbc;

    protected User user;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.h2(registry);
    }

    @BeforeEach
    void freshUserAndClock() {
        clock.set(START.plus(Duration.ofMinutes(USERS.get())));
        user = newUser();
    }

    protected User newUser() {
        return userService.create(NewUser.named("api" + USERS.incrementAndGet() + "-" + System.nanoTime() % 100000),
                PASSWORD);
    }

    /** An answer: status, headers and the body parsed as JSON (or null when empty). */
    public record Answer(int status, JsonNode json, MockHttpServletResponse response) {
        public String text(String field) {
            return json.get(field).stringValue();
        }

        public String header(String name) {
            return response.getHeader(name);
        }
    }

    /** A token pair. */
    public record Tokens(String access, String refresh) {
    }

    /** The client address of the requests that follow. */
    protected String clientAddress = "192.0.2.10";

    protected Answer call(MockHttpServletRequestBuilder request, String bearer, String body) throws Exception {
        if (bearer != null) {
            request.header(HttpHeaders.AUTHORIZATION, "Bearer " + bearer);
        }
        if (body != null) {
            request.contentType(MediaType.APPLICATION_JSON).content(body);
        }
        request.with(r -> {
            r.setRemoteAddr(clientAddress);
            return r;
        });
        MockHttpServletResponse response = mvc.perform(request).andReturn().getResponse();
        String content = response.getContentAsString();
        return new Answer(response.getStatus(), content.isEmpty() ? null : JSON.readTree(content), response);
    }

    protected Answer get(String path, String bearer) throws Exception {
        return call(MockMvcRequestBuilders.get(path), bearer, null);
    }

    protected Answer post(String path, String bearer, String body) throws Exception {
        return call(MockMvcRequestBuilders.post(path), bearer, body);
    }

    protected Answer delete(String path, String bearer) throws Exception {
        return call(MockMvcRequestBuilders.delete(path), bearer, null);
    }

    protected Answer patch(String path, String bearer, String body) throws Exception {
        return call(MockMvcRequestBuilders.patch(path), bearer, body);
    }

    protected static String json(Object... keysAndValues) {
        java.util.Map<String, Object> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return JSON.writeValueAsString(map);
    }

    protected static Tokens tokens(Answer answer) {
        assertThat(answer.status()).as("answer %s", answer.json()).isEqualTo(200);
        return new Tokens(answer.text("access"), answer.text("refresh"));
    }

    /** Logs the test's user in with the password. */
    protected Tokens login() throws Exception {
        return login(user.username());
    }

    protected Tokens login(String username) throws Exception {
        return tokens(post("/api/token", null, json("username", username, "password", PASSWORD)));
    }

    /** A started TOTP setup. */
    public record Setup(OtpSecret secret, List<String> recoveryCodes) {
    }

    protected Setup createTotp(String access) throws Exception {
        Answer created = post("/api/totp/create", access, null);
        assertThat(created.status()).as("answer %s", created.json()).isEqualTo(201);
        OtpSecret secret = OtpAuthUri.parse(created.text("otpUrl")).secret();
        List<String> codes = created.json().get("recoveryCodes").valueStream().map(JsonNode::stringValue).toList();
        return new Setup(secret, codes);
    }

    /** The current code of a secret at the test clock's time. */
    protected String code(OtpSecret secret) {
        return Totp.defaults().generate(secret, clock.instant());
    }

    /** Moves the clock to the next 30-second step, so a new code can be used. */
    protected void nextStep() {
        clock.advance(Duration.ofSeconds(30));
    }

    /** Logs in, sets up TOTP and confirms it: the user now has a confirmed device and OTP-verified tokens. */
    protected Enrolled enrol() throws Exception {
        Tokens password = login();
        Setup setup = createTotp(password.access());
        Tokens verified = tokens(post("/api/totp/login", password.access(), json("token", code(setup.secret()))));
        return new Enrolled(password, verified, setup);
    }

    /** A user with a confirmed TOTP device. */
    public record Enrolled(Tokens passwordOnly, Tokens verified, Setup setup) {
    }

    /** The payload of a JWT, decoded (not verified). */
    protected static JsonNode payload(String jwt) {
        String[] parts = jwt.split("\\.");
        return JSON.readTree(java.util.Base64.getUrlDecoder().decode(parts[1]));
    }

    protected long count(String sql, Object... params) {
        return jdbc.sql(sql).params(params).query(Long.class).single();
    }
}
