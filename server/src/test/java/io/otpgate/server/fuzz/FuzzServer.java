package io.otpgate.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors;
import org.springframework.session.SessionRepository;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestContextManager;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.webauthn.TestAuthenticator;
import io.otpgate.server.system.StoredSession;
import io.otpgate.server.system.TestClock;
import io.otpgate.server.system.TestDatabases;
import io.otpgate.spring.totp.TotpEnrolment;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one application context of the server's fuzz tests: built once per JVM (through Spring's test context, with
 * MockMvc and the whole filter chain), on a fresh in-memory H2 database and a {@link TestClock} that never moves, so
 * that tokens and the current TOTP code stay valid for the whole run.
 *
 * <p>Four users are made at start: {@code fuzz-enrolled}, with a confirmed TOTP device, recovery codes and an OAuth
 * profile, {@code fuzz-plain}, with none, the superuser {@code fuzz-admin} with a TOTP device, and
 * {@code fuzz-passkey} with a passkey. Their tokens, code and recovery code fill the placeholders of fuzz
 * inputs ({@link #fill}). The database is then recorded as the baseline; after any input that changed it, it is put
 * back ({@link #restore}), so that every input meets the same state: a spent refresh token, a used code or a
 * consumed recovery code is valid again for the next input.
 */
final class FuzzServer {

    static final String ENROLLED = "fuzz-enrolled";
    static final String PLAIN = "fuzz-plain";
    static final String ADMIN = "fuzz-admin";
    static final String PASSKEY = "fuzz-passkey";
    /** The origin the passkey fixtures were signed for (sent as the {@code Origin} header to the passkey paths). */
    static final String ORIGIN = "http://localhost:8080";
    static final String PASSWORD = "fuzz password 123";
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** Columns that a refused but counted attempt may change (failure counts, locks, throttling). */
    private static final Set<String> THROTTLE_COLUMNS = Set.of("failure_count", "locked_at",
            "throttling_failure_count", "throttling_failure_timestamp");
    static final String THROTTLE = "(throttle columns)";
    private static final Set<String> THROTTLE_TABLES = Set.of("otpgate_account", "otpgate_totp_device",
            "otpgate_hotp_device", "otpgate_static_device");

    private static FuzzServer instance;
    private static Throwable failure;

    final MockMvc mvc;
    final JdbcClient jdbc;
    final ApplicationContext context;
    final TestClock clock;
    final Tokens enrolledVerified;
    final Tokens enrolledPasswordOnly;
    final Tokens plain;
    final String code;
    final String recoveryCode;
    final long oauthProfileId;
    /** The admin panel's fixture: a superuser with a TOTP device, and the ids that admin paths name. */
    final Admin admin;
    /** {@code fuzz-passkey}'s password-only tokens: the user has a passkey and nothing else. */
    final Tokens passkeyPasswordOnly;
    /** A valid answer to a pending authentication challenge of {@code fuzz-passkey} (its passkey signed it). */
    final String assertion;
    /** A valid answer to a pending registration challenge of {@code fuzz-plain} (a new key). */
    final String registration;
    /** Every token the server handed out in this run: only these may ever authenticate. */
    final Set<String> issuedTokens = ConcurrentHashMap.newKeySet();
    private final List<String> baselineScript;
    private final Map<String, BaselineTable> baselineRows;
    private final List<String> tables;
    private final Map<String, String> baseline;

    /** The context of the fuzz tests: Spring's test support builds it, with the API test's settings. */
    @SpringBootTest(properties = { "otpgate.login.free-failures-per-username=1000000000",
        "otpgate.login.free-failures-per-address=1000000000", "logging.level.root=WARN",
        "logging.level.io.otpgate=WARN" })
    @AutoConfigureMockMvc(printOnlyOnFailure = true)
    @Import(TestClock.Config.class)
    static final class Context {
        @DynamicPropertySource
        static void database(DynamicPropertyRegistry registry) {
            TestDatabases.h2(registry);
        }
    }

    /** A token pair. */
    record Tokens(String access, String refresh) {
    }

    /** The superuser {@code fuzz-admin}, its code, and ids of users, devices and an OAuth profile. */
    record Admin(long adminId, String code, long enrolledId, long plainId, long adminTotpId, long enrolledTotpId,
            long enrolledStaticId, long oauthProfileId) {
    }

    /** An answer: status, content type, body. */
    record Answer(int status, String contentType, byte[] body, MockHttpServletResponse response) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The body as JSON, or null when it is empty or not JSON. */
        JsonNode json() {
            if (body.length == 0) {
                return null;
            }
            try {
                return JSON.readTree(body);
            } catch (JacksonException e) {
                return null;
            }
        }

        /** The {@code detail} of a problem, or "". */
        String detail() {
            JsonNode json = json();
            return json != null && json.has("detail") ? json.get("detail").asString() : "";
        }
    }

    static synchronized FuzzServer get() {
        if (instance == null && failure == null) {
            try {
                instance = new FuzzServer();
            } catch (Exception | AssertionError e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw new IllegalStateException("the fuzz tests' server did not start", failure);
        }
        return instance;
    }

    private FuzzServer() throws Exception {
        context = new TestContextManager(Context.class).getTestContext().getApplicationContext();
        mvc = context.getBean(MockMvc.class);
        jdbc = context.getBean(JdbcClient.class);
        clock = context.getBean(TestClock.class);
        UserService users = context.getBean(UserService.class);
        users.create(NewUser.named(ENROLLED), PASSWORD);
        users.create(NewUser.named(PLAIN), PASSWORD);

        enrolledPasswordOnly = login(ENROLLED);
        Answer created = send(HttpMethod.POST, "/api/totp/create", null, "Bearer " + enrolledPasswordOnly.access(),
                new byte[0]);
        assertThat(created.status()).isEqualTo(201);
        JsonNode setup = created.json();
        OtpSecret secret = OtpAuthUri.parse(setup.get("otpUrl").asString()).secret();
        recoveryCode = setup.get("recoveryCodes").get(0).asString();
        code = Totp.defaults().generate(secret, clock.instant());
        enrolledVerified = tokens(send(HttpMethod.POST, "/api/totp/login", MediaType.APPLICATION_JSON_VALUE,
                "Bearer " + enrolledPasswordOnly.access(), json("token", code)));
        Answer profile = send(HttpMethod.POST, "/api/oauth_profiles", MediaType.APPLICATION_JSON_VALUE,
                "Bearer " + enrolledVerified.access(), json("oauth_service_name", "github", "oauth_url",
                        "https://github.com/login", "oauth_credentials", "fuzz-credentials"));
        assertThat(profile.status()).isEqualTo(201);
        oauthProfileId = profile.json().get("id").asLong();
        plain = login(PLAIN);

        User superuser = users.create(new NewUser(ADMIN, "", "", "", true, true), PASSWORD);
        OtpSecret adminSecret = context.getBean(TotpEnrolment.class).enrol(superuser, "phone", true, null).uri()
                .secret();
        admin = new Admin(superuser.id(), Totp.defaults().generate(adminSecret, clock.instant()),
                id("select id from auth_user where username = ?", ENROLLED),
                id("select id from auth_user where username = ?", PLAIN),
                id("select d.id from otpgate_totp_device d join auth_user u on u.id = d.account_id where u.username = ?", ADMIN),
                id("select d.id from otpgate_totp_device d join auth_user u on u.id = d.account_id where u.username = ?",
                        ENROLLED),
                id("select d.id from otpgate_static_device d join auth_user u on u.id = d.account_id where u.username = ?",
                        ENROLLED),
                oauthProfileId);

        // Last, so that the ids above stay as the admin's corpus names them: a user with a passkey, a pending
        // authentication of theirs answered by it, and a pending registration of fuzz-plain answered by a new key.
        users.create(NewUser.named(PASSKEY), PASSWORD);
        Tokens passkeyLogin = login(PASSKEY);
        TestAuthenticator passkey = new TestAuthenticator();
        passkey.signCount = 1;
        Answer creation = send(HttpMethod.POST, "/api/webauthn/register/options", MediaType.APPLICATION_JSON_VALUE,
                "Bearer " + passkeyLogin.access(), new byte[0]);
        assertThat(creation.status()).as(creation.text()).isEqualTo(200);
        Answer registered = send(HttpMethod.POST, "/api/webauthn/register", MediaType.APPLICATION_JSON_VALUE,
                "Bearer " + passkeyLogin.access(), ("{\"credential\":" + passkey.register(creation.json()
                        .get("challenge").asString(), "localhost", ORIGIN) + "}").getBytes(StandardCharsets.UTF_8));
        assertThat(registered.status()).as(registered.text()).isEqualTo(201);
        passkeyPasswordOnly = passkeyLogin;
        Answer request = send(HttpMethod.POST, "/api/webauthn/login/options", MediaType.APPLICATION_JSON_VALUE,
                "Bearer " + passkeyPasswordOnly.access(), new byte[0]);
        assertThat(request.status()).as(request.text()).isEqualTo(200);
        assertion = passkey.authenticate(request.json().get("challenge").asString(), "localhost", ORIGIN, null);
        Answer plainCreation = send(HttpMethod.POST, "/api/webauthn/register/options",
                MediaType.APPLICATION_JSON_VALUE, "Bearer " + plain.access(), new byte[0]);
        assertThat(plainCreation.status()).as(plainCreation.text()).isEqualTo(200);
        registration = new TestAuthenticator().register(plainCreation.json().get("challenge").asString(),
                "localhost", ORIGIN);

        // The code was used to confirm the device: the baseline is the state just before that, as far as the code
        // is concerned, so that ${code} is accepted by every input that sends it.
        jdbc.sql("update otpgate_totp_device set last_step = -1, last_used_at = null").update();
        baselineScript = jdbc.sql("script nopasswords nosettings").query(String.class).list().stream()
                .filter(statement -> !statement.startsWith("--")).toList();
        baselineRows = readBaselineRows();
        tables = tables();
        baseline = snapshot();
    }

    private long id(String sql, String username) {
        return jdbc.sql(sql).param(username).query(Long.class).single();
    }

    /**
     * A session of {@code fuzz-admin} in the admin panel, logged in with the password and the code. The code is
     * used by it: call between inputs only (the database is put back after).
     */
    MockHttpSession adminSession() throws Exception {
        MvcResult result = mvc.perform(MockMvcRequestBuilders.post("/admin/login").param("username", ADMIN)
                .param("password", PASSWORD).param("code", admin.code()).with(SecurityMockMvcRequestPostProcessors.csrf()))
                .andReturn();
        assertThat(result.getResponse().getStatus()).as("the admin's login").isEqualTo(302);
        return StoredSession.from(result.getResponse(), context.getBean(SessionRepository.class));
    }

    private Tokens login(String username) throws Exception {
        return tokens(send(HttpMethod.POST, "/api/token", MediaType.APPLICATION_JSON_VALUE, null,
                json("username", username, "password", PASSWORD)));
    }

    private static Tokens tokens(Answer answer) {
        assertThat(answer.status()).as("answer %s", answer.text()).isEqualTo(200);
        JsonNode json = answer.json();
        return new Tokens(json.get("access").asString(), json.get("refresh").asString());
    }

    static byte[] json(String... keysAndValues) {
        Map<String, String> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return JSON.writeValueAsBytes(map);
    }

    /**
     * Sends a request; every token in a successful answer joins {@link #issuedTokens}.
     *
     * @param contentType the header as sent (any text), or null for none
     * @param authorization the Authorization header as sent, or null for none
     */
    Answer send(HttpMethod method, String path, String contentType, String authorization, byte[] body)
            throws Exception {
        MockHttpServletRequestBuilder request = MockMvcRequestBuilders.request(method, java.net.URI.create(path));
        if (contentType != null) {
            request.header(HttpHeaders.CONTENT_TYPE, contentType);
        }
        if (authorization != null) {
            request.header(HttpHeaders.AUTHORIZATION, authorization);
        }
        if (path.startsWith("/api/webauthn/")) {
            // As a browser on the allowed origin sends it (the fixtures were signed for it).
            request.header(HttpHeaders.ORIGIN, ORIGIN);
        }
        request.content(body);
        request.with(r -> {
            r.setRemoteAddr("192.0.2.77");
            r.setCharacterEncoding(tomcatCharacterEncoding(r.getCharacterEncoding()));
            return r;
        });
        MockHttpServletResponse response = mvc.perform(request).andReturn().getResponse();
        Answer answer = new Answer(response.getStatus(), response.getContentType(), response.getContentAsByteArray(),
                response);
        if (answer.status() / 100 == 2) {
            JsonNode json = answer.json();
            if (json != null && json.has("access")) {
                issuedTokens.add(json.get("access").asString());
                issuedTokens.add(json.get("refresh").asString());
            }
        }
        return answer;
    }

    /**
     * The request's character encoding as Tomcat reports it: without quotes. MockMvc keeps them when it cannot
     * parse the Content-Type, and then fails in its own filter mapping on a name that is no charset name (Tomcat
     * maps filters without decoding, and the application reads the header, which stays as sent). A name that is
     * still not a legal charset name is left out, for the same reason.
     */
    private static String tomcatCharacterEncoding(String encoding) {
        if (encoding == null) {
            return null;
        }
        String name = encoding.strip();
        if (name.length() > 2 && name.startsWith("\"") && name.endsWith("\"")) {
            name = name.substring(1, name.length() - 1).strip();
        }
        try {
            java.nio.charset.Charset.isSupported(name);
            return name;
        } catch (IllegalArgumentException e) {  // IllegalCharsetNameException, or a null or empty name
            return null;
        }
    }

    /**
     * Replaces the placeholders {@code ${username}}, {@code ${password}}, {@code ${code}}, {@code ${recovery}},
     * {@code ${refresh}}, {@code ${access}}, {@code ${oauth_id}}, {@code ${admin_code}}, {@code ${assertion}} (a
     * passkey's answer, as JSON) and {@code ${registration}} (likewise) with values valid in the baseline; other bytes
     * are kept as they are.
     */
    byte[] fill(byte[] input) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        if (text.indexOf("${") < 0) {
            return input;
        }
        text = text.replace("${username}", ENROLLED).replace("${password}", PASSWORD).replace("${code}", code)
                .replace("${recovery}", recoveryCode).replace("${refresh}", enrolledVerified.refresh())
                .replace("${access}", enrolledVerified.access()).replace("${oauth_id}", Long.toString(oauthProfileId))
                .replace("${admin_code}", admin.code()).replace("${assertion}", assertion)
                .replace("${registration}", registration);
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The Authorization header picked by a selector: valid tokens of each kind of session, none, or junk. */
    String authorization(int selector) {
        return switch (selector % 5) {
            case 0 -> "Bearer " + enrolledVerified.access();
            case 1 -> "Bearer " + enrolledPasswordOnly.access();
            case 2 -> "Bearer " + plain.access();
            case 3 -> null;
            default -> "Bearer " + enrolledVerified.refresh();
        };
    }

    /**
     * The Authorization header of the passkey paths, picked by a selector: {@code fuzz-passkey}'s password-only
     * token (it may log in with its passkey, not add one), {@code fuzz-plain}'s (it may add one), the enrolled
     * user's verified and password-only tokens, or none.
     */
    String passkeyAuthorization(int selector) {
        return switch (selector % 5) {
            case 0 -> "Bearer " + passkeyPasswordOnly.access();
            case 1 -> "Bearer " + plain.access();
            case 2 -> "Bearer " + enrolledVerified.access();
            case 3 -> "Bearer " + enrolledPasswordOnly.access();
            default -> null;
        };
    }

    /**
     * The whole database, in parts: one per table, except that failure counts, locks and throttling of users and
     * devices form the part {@link #THROTTLE}. Rows are sorted, so that the order of a query does not matter.
     */
    Map<String, String> snapshot() {
        Map<String, List<String>> parts = new TreeMap<>();
        for (String table : tables) {
            parts.computeIfAbsent(table, t -> new ArrayList<>());
            jdbc.sql("select * from \"" + table + "\"").query((RowCallbackHandler) rows -> {
                ResultSetMetaData meta = rows.getMetaData();
                StringBuilder row = new StringBuilder();
                StringBuilder throttle = new StringBuilder();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    boolean counted = THROTTLE_TABLES.contains(table)
                            && THROTTLE_COLUMNS.contains(meta.getColumnLabel(i).toLowerCase());
                    (counted ? throttle : row).append(value(rows, i)).append('|');
                }
                parts.get(table).add(row.toString());
                if (!throttle.isEmpty()) {
                    parts.computeIfAbsent(THROTTLE, t -> new ArrayList<>())
                            .add(table + " " + value(rows, 1) + ": " + throttle);
                }
            });
        }
        Map<String, String> snapshot = new TreeMap<>();
        parts.forEach((part, rows) -> {
            rows.sort(null);
            snapshot.put(part, String.join("\n", rows));
        });
        return snapshot;
    }

    private static String value(ResultSet rows, int column) throws SQLException {
        Object value = rows.getObject(column);
        return value instanceof byte[] bytes ? Arrays.toString(bytes) : String.valueOf(value);
    }

    /** The parts that differ between two snapshots (names only: never a value). */
    static Set<String> changed(Map<String, String> before, Map<String, String> after) {
        Set<String> names = new HashSet<>(before.keySet());
        names.addAll(after.keySet());
        names.removeIf(name -> java.util.Objects.equals(before.get(name), after.get(name)));
        return names;
    }

    /** The database as it was after the set-up. */
    Map<String, String> baseline() {
        return baseline;
    }

    /**
     * Puts the baseline back if the database differs from it: the rows of the tables that changed (fast), or, if
     * that is not enough (a cascade reached further), the whole database from its script.
     */
    void restore(Map<String, String> now) {
        if (now.equals(baseline)) {
            return;
        }
        Set<String> tables = new java.util.TreeSet<>(changed(baseline, now));
        if (tables.remove(THROTTLE)) {
            tables.addAll(THROTTLE_TABLES);
        }
        restoreRows(tables);
        if (!snapshot().equals(baseline)) {
            jdbc.sql("drop all objects").update();
            for (String statement : baselineScript) {
                jdbc.sql(statement).update();
            }
        }
    }

    /** Replaces the rows of the tables by their baseline rows, with foreign keys unchecked meanwhile. */
    private void restoreRows(Set<String> tables) {
        jdbc.sql("set referential_integrity false").update();
        try {
            for (String table : tables) {
                BaselineTable rows = baselineRows.get(table);
                if (rows == null) {
                    continue;
                }
                jdbc.sql("delete from \"" + table + "\"").update();
                String insert = "insert into \"" + table + "\" values ("
                        + String.join(", ", java.util.Collections.nCopies(rows.columns(), "?")) + ")";
                for (Object[] row : rows.rows()) {
                    jdbc.sql(insert).params(row).update();
                }
            }
        } finally {
            jdbc.sql("set referential_integrity true").update();
        }
    }

    /** A table's rows in the baseline, as read. */
    private record BaselineTable(int columns, List<Object[]> rows) {
    }

    private Map<String, BaselineTable> readBaselineRows() {
        Map<String, BaselineTable> tables = new TreeMap<>();
        for (String table : tables()) {
            List<Object[]> rows = new ArrayList<>();
            int[] columns = new int[1];
            jdbc.sql("select * from \"" + table + "\"").query((RowCallbackHandler) row -> {
                columns[0] = row.getMetaData().getColumnCount();
                Object[] values = new Object[columns[0]];
                for (int i = 0; i < values.length; i++) {
                    values[i] = row.getObject(i + 1);
                }
                rows.add(values);
            });
            tables.put(table, new BaselineTable(columns[0], rows));
        }
        return tables;
    }

    private List<String> tables() {
        // Not the admin sessions (spring_session*): they are no application state, and a request in one moves its
        // last access time. A restore from the script drops them too: the admin logs in again (AdminPagesFuzzTest).
        return jdbc.sql("select table_name from information_schema.tables where table_schema = 'public' and "
                + "table_type = 'BASE TABLE' and table_name not like 'spring_session%' order by table_name")
                .query(String.class).list();
    }
}
