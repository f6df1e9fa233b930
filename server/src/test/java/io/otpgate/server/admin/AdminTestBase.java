package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.session.SessionRepository;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.server.system.StoredSession;
import io.otpgate.server.system.TestClock;
import io.otpgate.server.system.TestDatabases;
import io.otpgate.spring.totp.TotpEnrolment;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;

/**
 * The admin panel through MockMvc (the whole filter chain, CSRF included, and the real services) on a fresh
 * in-memory H2 database, with a {@link TestClock}: tests compute codes for the clock's time. Each test gets its own
 * staff user with a confirmed TOTP device ({@link #staff}, {@link #staffSecret}); {@link #logIn} gives a session.
 * Pages are parsed with jsoup ({@link Page#html}).
 */
@SpringBootTest(properties = "otpgate.login.free-failures-per-address=1000")
@AutoConfigureMockMvc
@Import(TestClock.Config.class)
public abstract class AdminTestBase {

    public static final String PASSWORD = "correct horse battery";
    public static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    /** The address every request comes from. */
    public static final String ADDRESS = "192.0.2.20";
    private static final AtomicInteger USERS = new AtomicInteger();

    @Autowired protected MockMvc mvc;
    @Autowired protected TestClock clock;
    @Autowired protected UserService userService;
    @Autowired protected TotpEnrolment enrolment;
    @Autowired protected JdbcClient jdbc;
    @Autowired protected SessionRepository<?> sessions;

    /** A staff user (not a superuser) with a confirmed TOTP device. */
    protected User staff;
    protected OtpSecret staffSecret;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.h2(registry);
    }

    @BeforeEach
    void freshStaffAndClock() {
        clock.set(START.plus(Duration.ofMinutes(10L * USERS.get())));
        staff = newUser("staff", true, false);
        staffSecret = addTotp(staff);
    }

    /** A new user with a unique name starting with {@code prefix}, and the password {@link #PASSWORD}. */
    protected User newUser(String prefix, boolean isStaff, boolean superuser) {
        return userService.create(new NewUser(prefix + USERS.incrementAndGet() + "-" + System.nanoTime() % 100000,
                "", "", "", isStaff || superuser, superuser), PASSWORD);
    }

    /** Gives the user a confirmed TOTP device (as {@code add-otp-device} does) and returns its secret. */
    protected OtpSecret addTotp(User user) {
        return enrolment.enrol(user, "phone", true, null).uri().secret();
    }

    /** The current code of a secret at the test clock's time. */
    protected String code(OtpSecret secret) {
        return Totp.defaults().generate(secret, clock.instant());
    }

    /** Moves the clock to the next 30-second step, so that a new code can be used. */
    protected void nextStep() {
        clock.advance(Duration.ofSeconds(30));
    }

    /** A response: status, headers, and the body as text and as parsed HTML. */
    public record Page(int status, String body, MockHttpServletResponse response) {
        public Document html() {
            return Jsoup.parse(body);
        }

        public String header(String name) {
            return response.getHeader(name);
        }

        public String location() {
            return response.getHeader("Location");
        }
    }

    /** Performs a request from {@link #ADDRESS} in the session (null for none; see {@link StoredSession}). */
    protected Page perform(MockHttpServletRequestBuilder request, MockHttpSession session) throws Exception {
        request.with(StoredSession.sentWith(session));
        request.with(r -> {
            r.setRemoteAddr(ADDRESS);
            return r;
        });
        MockHttpServletResponse response = mvc.perform(request).andReturn().getResponse();
        return new Page(response.getStatus(), response.getContentAsString(), response);
    }

    protected Page get(String path, MockHttpSession session) throws Exception {
        return perform(MockMvcRequestBuilders.get(path), session);
    }

    /** A form post with a valid CSRF token and the given fields (name, value, name, value...). */
    protected Page post(String path, MockHttpSession session, String... fields) throws Exception {
        return perform(form(path, fields).with(csrf()), session);
    }

    /** A form post without any CSRF token. */
    protected Page postWithoutCsrf(String path, MockHttpSession session, String... fields) throws Exception {
        return perform(form(path, fields), session);
    }

    private static MockHttpServletRequestBuilder form(String path, String... fields) {
        MockHttpServletRequestBuilder request = MockMvcRequestBuilders.post(path);
        for (int i = 0; i < fields.length; i += 2) {
            request.param(fields[i], fields[i + 1]);
        }
        return request;
    }

    /** Logs the user in with the password and a code; asserts that it worked and returns the new session. */
    protected MockHttpSession logIn(User user, String code) throws Exception {
        return logIn(user, code, anonymousSession());
    }

    /**
     * Logs the user in from the session {@code before}; asserts that it worked, that {@code before} ended and that
     * the new session has a new id, and returns the new session.
     */
    protected MockHttpSession logIn(User user, String code, MockHttpSession before) throws Exception {
        MvcResult result = mvc.perform(form("/admin/login", "username", user.username(), "password", PASSWORD,
                "code", code).with(csrf()).with(StoredSession.sentWith(before)).with(r -> {
                    r.setRemoteAddr(ADDRESS);
                    return r;
                })).andReturn();
        MockHttpServletResponse response = result.getResponse();
        assertThat(response.getStatus()).as("login of %s: %s", user.username(), response.getContentAsString())
                .isEqualTo(302);
        assertThat(response.getHeader("Location")).isEqualTo("/admin/");
        // The login ends the session it came in and starts a new one (a new id).
        MockHttpSession session = StoredSession.from(response, sessions);
        assertThat(session).as("the login's session cookie").isNotNull();
        assertThat(before.isInvalid()).isTrue();
        assertThat(session.getId()).isNotEqualTo(before.getId());
        return session;
    }

    /** The session the login page starts for its CSRF token, before any login. */
    protected MockHttpSession anonymousSession() throws Exception {
        Page page = get("/admin/login", null);
        assertThat(page.status()).isEqualTo(200);
        MockHttpSession session = StoredSession.from(page.response(), sessions);
        assertThat(session).as("the login page's session cookie").isNotNull();
        return session;
    }

    /** Logs {@link #staff} in with a fresh code. */
    protected MockHttpSession logInStaff() throws Exception {
        return logIn(staff, code(staffSecret));
    }

    protected long count(String sql, Object... params) {
        return jdbc.sql(sql).params(params).query(Long.class).single();
    }
}
