package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

import io.otpgate.core.Totp;

/**
 * Malformed requests to the endpoints that take a body: each gets a 4xx with a problem+json body, never a 5xx, and
 * changes nothing: no failure counted on the user or a device, no security event, no refresh token spent, no
 * profile changed; and the valid request still works afterwards.
 */
class BadInputTest extends ApiTestBase {

    private static final String JSON_TYPE = MediaType.APPLICATION_JSON_VALUE;
    private static final String TEN_THOUSAND_DIGITS = "1".repeat(10_000);
    private static final String ONE_MIB = "1".repeat(1 << 20);

    /**
     * A malformed request: its content type and body (with {@code ${user}}, {@code ${password}}, {@code ${refresh}}
     * and {@code ${wrong}}, a well-formed but wrong code, filled in when sent), the status expected, and the message
     * expected when it matters.
     */
    record Bad(String name, String contentType, String body, int status, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Bad bad(String name, String body, int status) {
        return new Bad(name, JSON_TYPE, body, status, null);
    }

    private static Bad bad(String name, String body, int status, String message) {
        return new Bad(name, JSON_TYPE, body, status, message);
    }

    private static String missing(String field) {
        return "Request body `" + field + "` should not be null";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What is wrong with the body as a whole

    /**
     * Bodies that are no JSON object, too large, or not JSON at all.
     *
     * @param valid a valid body of the endpoint (a malformed variant of it must not be acted on)
     * @param emptyMessage the message for an empty body, or null when an empty body is not an error
     */
    private static Stream<Bad> shapes(String valid, String emptyMessage) {
        Stream<Bad> shapes = Stream.of(
                bad("not JSON", "{oops", 400),
                bad("truncated JSON", valid.substring(0, valid.length() - 1), 400),
                bad("trailing garbage", valid + " }", 400),
                bad("two JSON documents", valid + valid, 400),
                bad("a JSON array", "[]", 400),
                bad("the object in an array", "[" + valid + "]", 400),
                bad("a JSON string", "\"x\"", 400),
                bad("a JSON number", "123456", 400),
                bad("a JSON boolean", "true", 400),
                bad("JSON null", "null", 400),
                bad("a nesting bomb", "{\"a\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}", 400),
                bad("a 1 MiB body", "{\"a\":\"" + ONE_MIB + "\"}", 413),
                new Bad("text/plain", MediaType.TEXT_PLAIN_VALUE, valid, 415, null),
                new Bad("a form", MediaType.APPLICATION_FORM_URLENCODED_VALUE, "a=b&c=d", 415, null),
                new Bad("XML", MediaType.APPLICATION_XML_VALUE, "<a>b</a>", 415, null));
        if (emptyMessage == null) {
            return shapes;
        }
        return Stream.concat(shapes, Stream.of(
                bad("an empty body", "", 400, emptyMessage),
                new Bad("no body and no content type", null, null, 400, emptyMessage),
                bad("a blank body", " \n ", 400)));
    }

    /** A string field that is missing, null, empty, or of another type. */
    private static Stream<Bad> stringField(String field, String rest) {
        String others = rest.isEmpty() ? "" : "," + rest;
        String prefix = "{" + (rest.isEmpty() ? "" : rest + ",") + "\"" + field + "\":";
        return Stream.of(
                bad("`" + field + "` missing", "{" + rest + "}", 400, missing(field)),
                bad("`" + field + "` null", prefix + "null}", 400, missing(field)),
                bad("`" + field + "` empty", prefix + "\"\"}", 400, missing(field)),
                bad("`" + field + "` a number", prefix + "123456}", 400),
                bad("`" + field + "` negative", prefix + "-123456}", 400),
                bad("`" + field + "` a decimal", prefix + "123456.0}", 400),
                bad("`" + field + "` an exponent", prefix + "1e400}", 400),
                bad("`" + field + "` a 10 000-digit number", prefix + TEN_THOUSAND_DIGITS + "}", 400),
                bad("`" + field + "` a 10 000-digit string", prefix + "\"" + TEN_THOUSAND_DIGITS + "\"}", 400),
                bad("`" + field + "` true", prefix + "true}", 400),
                bad("`" + field + "` an object", prefix + "{\"value\":\"123456\"}}", 400),
                bad("`" + field + "` an array", prefix + "[\"123456\"]}", 400),
                bad("`" + field + "` misspelt", "{\"" + field.toUpperCase() + "\":\"123456\"" + others + "}", 400,
                        missing(field)));
    }

    /** Strings that are no one-time code, for the {@code token} field. */
    private static Stream<Bad> notACode(String... codes) {
        return Stream.of(codes).map(code -> bad("token " + describe(code), json("token", code), 400));
    }

    private static String describe(String code) {
        StringBuilder shown = new StringBuilder("\"");
        code.codePoints().forEach(c -> shown.append(c >= 0x20 && c < 0x7f ? Character.toString(c)
                : String.format("\\u%04X", c)));
        return shown.append('"').toString();
    }

    /**
     * Digits that are not ASCII (Arabic-Indic, Extended Arabic-Indic, full-width, Devanagari, one mixed in), and ASCII
     * digits with a NUL, a zero-width space, a right-to-left override or a tab.
     */
    private static final String[] NOT_ASCII_DIGITS = { "١٢٣٤٥٦", "۱۲۳۴۵۶", "１２３４５６", "१२३४५६", "12345٦",
        "123456\u0000", "123\u200b456", "\u202e123456", "123\t456" };

    // ---------------------------------------------------------------------------------------------------------------
    // POST /api/token

    static Stream<Bad> passwordLoginBodies() {
        String valid = "{\"username\":\"${user}\",\"password\":\"${password}\"}";
        return Stream.of(shapes(valid, missing("username")),
                stringField("username", "\"password\":\"${password}\""),
                stringField("password", "\"username\":\"${user}\""),
                Stream.of(bad("username longer than Django allows", json("username", "u".repeat(151),
                        "password", PASSWORD), 400),
                        bad("password of 10 000 characters", "{\"username\":\"${user}\",\"password\":\""
                                + "p".repeat(10_000) + "\"}", 400)))
                .flatMap(s -> s);
    }

    @ParameterizedTest
    @MethodSource("passwordLoginBodies")
    void passwordLoginWhenBodyMalformedThenRefusedAndNothingRecorded(Bad bad) throws Exception {
        State before = state();

        Answer answer = send(HttpMethod.POST, "/api/token", null, bad, Map.of());

        assertRefused(answer, bad);
        assertThat(state()).isEqualTo(before);
        assertThat(login().access()).isNotEmpty();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // POST /api/token/refresh and /api/token/blacklist

    static Stream<Bad> refreshBodies() {
        return Stream.of(shapes("{\"refresh\":\"${refresh}\"}", missing("refresh")),
                stringField("refresh", ""),
                Stream.of(bad("refresh not a JWT", json("refresh", "not-a-jwt"), 401),
                        bad("refresh Arabic-Indic digits", json("refresh", "١٢٣٤٥٦"), 401),
                        bad("refresh the real token with a NUL appended", "{\"refresh\":\"${refresh}\\u0000\"}", 401)))
                .flatMap(s -> s);
    }

    @ParameterizedTest
    @MethodSource("refreshBodies")
    void refreshWhenBodyMalformedThenRefusedAndNothingSpent(Bad bad) throws Exception {
        Tokens tokens = login();
        State before = state();

        Answer answer = send(HttpMethod.POST, "/api/token/refresh", null, bad, Map.of("refresh", tokens.refresh()));

        assertRefused(answer, bad);
        assertThat(state()).isEqualTo(before);
        assertThat(post("/api/token/refresh", null, json("refresh", tokens.refresh())).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @MethodSource("refreshBodies")
    void blacklistWhenBodyMalformedThenRefusedAndNothingRevoked(Bad bad) throws Exception {
        Tokens tokens = login();
        State before = state();

        Answer answer = send(HttpMethod.POST, "/api/token/blacklist", null, bad,
                Map.of("refresh", tokens.refresh()));

        assertRefused(answer, bad);
        assertThat(state()).isEqualTo(before);
        assertThat(post("/api/token/refresh", null, json("refresh", tokens.refresh())).status()).isEqualTo(200);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // POST /api/totp/login

    static Stream<Bad> totpLoginBodies() {
        return Stream.of(shapes("{\"token\":\"${wrong}\"}", missing("token")), stringField("token", ""),
                notACode(NOT_ASCII_DIGITS),
                notACode("12345", "123456789", "12345a", "+123456", "-12345", "0x1E240", "1e5", "      ",
                        "12 34 5", "123456\n"))
                .flatMap(s -> s);
    }

    @ParameterizedTest
    @MethodSource("totpLoginBodies")
    void totpLoginWhenBodyMalformedThenRefusedWithoutCountingAnAttempt(Bad bad) throws Exception {
        Enrolled enrolled = enrol();
        String bearer = enrolled.passwordOnly().access();
        State before = state();

        Answer answer = send(HttpMethod.POST, "/api/totp/login", bearer, bad, Map.of("wrong", wrongCode(enrolled)));

        assertRefused(answer, bad);
        assertThat(state()).isEqualTo(before);
        nextStep();
        assertThat(post("/api/totp/login", bearer, json("token", code(enrolled.setup().secret()))).status())
                .as("a valid code still works").isEqualTo(200);
    }

    /** The control of the state check: a well-formed wrong code is an attempt, and it shows. */
    @Test
    void totpLoginWhenCodeWellFormedButWrongThenAttemptCounted() throws Exception {
        Enrolled enrolled = enrol();
        State before = state();

        Answer answer = post("/api/totp/login", enrolled.passwordOnly().access(),
                json("token", wrongCode(enrolled)));

        assertThat(answer.status()).isEqualTo(400);
        assertThat(state()).isNotEqualTo(before);
        assertThat(count("select failure_count from otpgate_account where id = ?", user.id())).isEqualTo(1);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // POST /api/totp/recovery_code/login

    static Stream<Bad> recoveryLoginBodies() {
        return Stream.of(shapes("{\"token\":\"${wrong}\"}", missing("token")), stringField("token", ""),
                notACode(NOT_ASCII_DIGITS),
                notACode("ａｂｃｄ１２３４", "abc/def", "../../etc/passwd", "' OR 1=1 --", "a".repeat(101), "abc\u00e9",
                        "\ud83d\udd11\ud83d\udd11\ud83d\udd11", "      "))
                .flatMap(s -> s);
    }

    @ParameterizedTest
    @MethodSource("recoveryLoginBodies")
    void recoveryLoginWhenBodyMalformedThenRefusedWithoutCountingAnAttempt(Bad bad) throws Exception {
        Enrolled enrolled = enrol();
        String bearer = enrolled.passwordOnly().access();
        State before = state();

        Answer answer = send(HttpMethod.POST, "/api/totp/recovery_code/login", bearer, bad,
                Map.of("wrong", "wrongcode1"));

        assertRefused(answer, bad);
        assertThat(state()).isEqualTo(before);
        assertThat(post("/api/totp/recovery_code/login", bearer,
                json("token", enrolled.setup().recoveryCodes().get(0))).status())
                .as("a valid recovery code still works").isEqualTo(200);
    }

    @Test
    void recoveryLoginWhenCodeWellFormedButWrongThenAttemptCounted() throws Exception {
        Enrolled enrolled = enrol();
        State before = state();

        Answer answer = post("/api/totp/recovery_code/login", enrolled.passwordOnly().access(),
                json("token", "wrongcode1"));

        assertThat(answer.status()).isEqualTo(400);
        assertThat(state()).isNotEqualTo(before);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // PATCH /api/profile

    static Stream<Bad> profileBodies() {
        return Stream.of(shapes("{\"first_name\":\"Ada\"}", null), Stream.of(
                bad("email a number", "{\"email\":123}", 400),
                bad("email null", "{\"email\":null}", 400, "`email` may not be null"),
                bad("phone true", "{\"phone\":true}", 400),
                bad("first_name an object", "{\"first_name\":{\"a\":1}}", 400),
                bad("last_name an array", "{\"last_name\":[\"Lovelace\"]}", 400),
                bad("first_name of 10 000 characters", json("first_name", "a".repeat(10_000)), 400),
                bad("phone a 10 000-digit number", "{\"phone\":" + TEN_THOUSAND_DIGITS + "}", 400),
                bad("power_account_id a string", "{\"power_account_id\":\"1\"}", 400),
                bad("power_account_id Arabic-Indic digits", json("power_account_id", "١٢٣"), 400),
                bad("power_account_id a decimal", "{\"power_account_id\":1.5}", 400),
                bad("power_account_id true", "{\"power_account_id\":true}", 400),
                bad("power_account_id null", "{\"power_account_id\":null}", 400),
                bad("power_account_id an object", "{\"power_account_id\":{\"a\":1}}", 400),
                bad("power_account_id a 10 000-digit number", "{\"power_account_id\":" + TEN_THOUSAND_DIGITS + "}",
                        400),
                bad("power_contact_id past 2^31-1", "{\"power_contact_id\":2147483648}", 400),
                bad("power_contact_id below -2^31", "{\"power_contact_id\":-2147483649}", 400),
                bad("a valid field beside a bad one", "{\"first_name\":\"Ada\",\"phone\":123}", 400)))
                .flatMap(s -> s);
    }

    @ParameterizedTest
    @MethodSource("profileBodies")
    void updateProfileWhenBodyMalformedThenRefusedAndProfileUnchanged(Bad bad) throws Exception {
        String access = login().access();
        State before = state();

        Answer answer = send(HttpMethod.PATCH, "/api/profile", access, bad, Map.of());

        assertRefused(answer, bad);
        assertThat(state()).isEqualTo(before);
        Answer valid = patch("/api/profile", access, json("first_name", "Ada"));
        assertThat(valid.status()).as("answer %s", valid.json()).isEqualTo(200);
        assertThat(valid.text("first_name")).isEqualTo("Ada");
    }

    /** DRF's partial update of nothing: 200, and no field changes. */
    @Test
    void updateProfileWhenBodyEmptyThenNoFieldChanges() throws Exception {
        String access = login().access();
        Answer first = get("/api/profile", access);

        Answer answer = patch("/api/profile", access, "");

        assertThat(answer.status()).as("answer %s", answer.json()).isEqualTo(200);
        for (String field : List.of("email", "phone", "first_name", "last_name", "power_account_id",
                "power_contact_id", "is_otp_enabled")) {
            assertThat(answer.json().get(field)).as(field).isEqualTo(first.json().get(field));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // POST /api/oauth_profiles

    private static final String SERVICE = "\"oauth_service_name\":\"github\"";
    private static final String URL = "\"oauth_url\":\"https://github.com/login\"";
    private static final String CREDENTIALS = "\"oauth_credentials\":\"s3cret\"";

    static Stream<Bad> oauthProfileBodies() {
        String valid = "{" + SERVICE + "," + URL + "," + CREDENTIALS + "}";
        return Stream.of(shapes(valid, "`oauth_service_name` is required"),
                oauthField("oauth_service_name", URL + "," + CREDENTIALS),
                oauthField("oauth_url", SERVICE + "," + CREDENTIALS),
                oauthField("oauth_credentials", SERVICE + "," + URL),
                Stream.of("javascript:alert(1)", "ftp://example.com/", "not a url", "https://", "//example.com/x",
                        "https://example.com/" + "a".repeat(200))
                        .map(url -> bad("oauth_url " + describe(url.length() > 40 ? url.substring(0, 40) + "..."
                                : url), "{" + SERVICE + "," + CREDENTIALS + ",\"oauth_url\":" + JSON
                                        .writeValueAsString(url) + "}", 400)),
                Stream.of(bad("oauth_service_name of 101 characters", "{" + URL + "," + CREDENTIALS
                        + ",\"oauth_service_name\":\"" + "s".repeat(101) + "\"}", 400),
                        bad("oauth_credentials of 10 001 characters", "{" + SERVICE + "," + URL
                                + ",\"oauth_credentials\":\"" + "c".repeat(10_001) + "\"}", 400)))
                .flatMap(s -> s);
    }

    private static Stream<Bad> oauthField(String field, String rest) {
        String prefix = "{" + rest + ",\"" + field + "\":";
        return Stream.of(
                bad("`" + field + "` missing", "{" + rest + "}", 400, "`" + field + "` is required"),
                bad("`" + field + "` null", prefix + "null}", 400),
                bad("`" + field + "` empty", prefix + "\"\"}", 400),
                bad("`" + field + "` blank", prefix + "\"   \"}", 400),
                bad("`" + field + "` a number", prefix + "123456}", 400),
                bad("`" + field + "` a 10 000-digit number", prefix + TEN_THOUSAND_DIGITS + "}", 400),
                bad("`" + field + "` true", prefix + "true}", 400),
                bad("`" + field + "` an object", prefix + "{\"a\":1}}", 400),
                bad("`" + field + "` an array", prefix + "[\"a\"]}", 400));
    }

    @ParameterizedTest
    @MethodSource("oauthProfileBodies")
    void addOAuthProfileWhenBodyMalformedThenRefusedAndNothingAdded(Bad bad) throws Exception {
        String access = login().access();
        State before = state();

        Answer answer = send(HttpMethod.POST, "/api/oauth_profiles", access, bad, Map.of());

        assertRefused(answer, bad);
        assertThat(state()).isEqualTo(before);
        Answer valid = post("/api/oauth_profiles", access, "{" + SERVICE + "," + URL + "," + CREDENTIALS + "}");
        assertThat(valid.status()).as("answer %s", valid.json()).isEqualTo(201);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // A body over the limit without Content-Length (chunked): refused while it is read

    @ParameterizedTest
    @ValueSource(strings = { "POST /api/token", "POST /api/token/refresh", "POST /api/token/blacklist",
        "POST /api/totp/login", "POST /api/totp/recovery_code/login", "PATCH /api/profile",
        "POST /api/oauth_profiles" })
    void whenChunkedBodyOverLimitThenContentTooLarge(String endpoint) throws Exception {
        Enrolled enrolled = enrol();
        String[] methodAndPath = endpoint.split(" ");
        Bad bad = bad("a chunked 1 MiB body", "{\"token\":\"" + ONE_MIB + "\"}", 413);
        State before = state();

        MockHttpServletRequestBuilder request = MockMvcRequestBuilders
                .request(HttpMethod.valueOf(methodAndPath[0]), methodAndPath[1]).contentType(JSON_TYPE)
                .content(bad.body().getBytes(StandardCharsets.UTF_8)).with(withoutContentLength());
        Answer answer = call(request, enrolled.verified().access(), null);

        assertRefused(answer, bad);
        assertThat(state()).isEqualTo(before);
    }

    /**
     * Multipart and other non-JSON bodies are refused with 415 before anything else looks at the request (before
     * authentication too: a multipart request without a token is a 415, not a 401), so no parser ever reads them.
     * NonJsonBodiesOnTomcatTest sends the same to a real Tomcat.
     */
    @ParameterizedTest
    @ValueSource(strings = { "POST /api/token", "POST /api/token/refresh", "POST /api/totp/login",
        "POST /api/totp/recovery_code/login", "PATCH /api/profile", "POST /api/oauth_profiles", "GET /api/me",
        "DELETE /api/totp/delete" })
    void whenMultipartThenUnsupportedMediaTypeBeforeAuthenticationAndNothingChanged(String endpoint)
            throws Exception {
        String[] methodAndPath = endpoint.split(" ");
        State before = state();
        for (String type : List.of("multipart/form-data", "multipart/form-data; boundary=x", "multipart/mixed")) {
            Bad bad = new Bad(type + " to " + endpoint, type, "--x\r\nContent-Disposition: form-data; name=\"a\""
                    + "\r\n\r\nb\r\n--x--\r\n", 415, "request body must be application/json");

            assertRefused(sendRaw(HttpMethod.valueOf(methodAndPath[0]), methodAndPath[1], null, bad, Map.of()), bad);
        }
        assertThat(state()).isEqualTo(before);
    }

    /** Found by ApiBodiesFuzzTest: the firewall's 400 had no body under MockMvc, and Boot's other shape in Tomcat. */
    @ParameterizedTest
    @ValueSource(strings = { "/api/me;x", "/api//me", "/api/oauth_profiles/1%3Bx", "/api/oauth_profiles/1%252F",
        "/api/%2e%2e/me", "/.well-known/jwks.json;x" })
    void whenUrlRefusedByFirewallThenProblemJsonAndNothingChanged(String path) throws Exception {
        Enrolled enrolled = enrol();
        State before = state();

        Answer answer = call(MockMvcRequestBuilders.delete(java.net.URI.create(path)), enrolled.verified().access(),
                null);

        assertRefused(answer, bad("URL " + path, null, 400, "the request URL is not allowed"));
        assertThat(state()).isEqualTo(before);
    }

    /**
     * Found by ApiBodiesFuzzTest: the firewall checks header values and parameter names when MVC reads them, and its
     * exception became a 500 (a C1 control character, which Tomcat passes on, in Content-Type; a NUL in a form
     * field's name). Neither is JSON, so both are now refused with 415 before the firewall or a form parser reads
     * them.
     */
    @Test
    void whenHeaderOrParameterTheFirewallRefusesThenProblemJsonAndNothingChanged() throws Exception {
        Enrolled enrolled = enrol();
        State before = state();
        Bad header = new Bad("a C1 control character in Content-Type", "application/json\u0085",
                "{\"refresh\":\"${refresh}\"}", 415, "request body must be application/json");
        Bad parameter = new Bad("a NUL in a form field's name", MediaType.APPLICATION_FORM_URLENCODED_VALUE,
                "a%00b=1", 415, "request body must be application/json");

        Map<String, String> values = Map.of("refresh", enrolled.verified().refresh());
        String bearer = enrolled.passwordOnly().access();
        assertRefused(sendRaw(HttpMethod.POST, "/api/token/refresh", bearer, header, values), header);
        assertRefused(sendRaw(HttpMethod.POST, "/api/token/blacklist", bearer, parameter, values), parameter);
        assertRefused(sendRaw(HttpMethod.POST, "/api/totp/login", bearer, header, values), header);

        assertThat(state()).isEqualTo(before);
    }

    /** As {@link #send}, with the Content-Type header as given (not parsed by the test client). */
    private Answer sendRaw(HttpMethod method, String path, String bearer, Bad bad, Map<String, String> values)
            throws Exception {
        String body = bad.body();
        for (Map.Entry<String, String> value : values.entrySet()) {
            body = body.replace("${" + value.getKey() + "}", value.getValue());
        }
        MockHttpServletRequestBuilder request = MockMvcRequestBuilders.request(method, path)
                .header(HttpHeaders.CONTENT_TYPE, bad.contentType()).content(body.getBytes(StandardCharsets.UTF_8));
        return call(request, bearer, null);
    }

    /** The request as a chunked upload sends it: no {@code Content-Length}, so only reading finds the size. */
    private static RequestPostProcessor withoutContentLength() {
        return original -> {
            MockHttpServletRequest chunked = new MockHttpServletRequest(original.getServletContext(),
                    original.getMethod(), original.getRequestURI()) {
                @Override
                public int getContentLength() {
                    return -1;
                }

                @Override
                public long getContentLengthLong() {
                    return -1;
                }
            };
            chunked.setContextPath(original.getContextPath());
            chunked.setServletPath(original.getServletPath());
            chunked.setPathInfo(original.getPathInfo());
            chunked.setContent(original.getContentAsByteArray());
            for (String name : Collections.list(original.getHeaderNames())) {
                if (!name.equalsIgnoreCase(HttpHeaders.CONTENT_LENGTH)) {
                    Collections.list(original.getHeaders(name)).forEach(value -> chunked.addHeader(name, value));
                }
            }
            chunked.addHeader(HttpHeaders.TRANSFER_ENCODING, "chunked");
            Collections.list(original.getAttributeNames())
                    .forEach(name -> chunked.setAttribute(name, original.getAttribute(name)));
            return chunked;
        };
    }

    // ---------------------------------------------------------------------------------------------------------------

    private Answer send(HttpMethod method, String path, String bearer, Bad bad, Map<String, String> values)
            throws Exception {
        MockHttpServletRequestBuilder request = MockMvcRequestBuilders.request(method, path);
        if (bad.contentType() != null) {
            request.contentType(bad.contentType());
        }
        if (bad.body() != null) {
            String body = bad.body().replace("${user}", user.username()).replace("${password}", PASSWORD);
            for (Map.Entry<String, String> value : values.entrySet()) {
                body = body.replace("${" + value.getKey() + "}", value.getValue());
            }
            assertThat(body).as("every placeholder is filled").doesNotContain("${");
            request.content(body.getBytes(StandardCharsets.UTF_8));
        }
        return call(request, bearer, null);
    }

    private static void assertRefused(Answer answer, Bad bad) throws Exception {
        String content = answer.response().getContentAsString();
        assertThat(answer.status()).as("%s: answer %s", bad, content).isEqualTo(bad.status());
        assertThat(answer.response().getContentType()).as("%s: content type", bad)
                .startsWith(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        assertThat(answer.json()).isNotNull();
        assertThat(answer.json().path("detail").isString()).as("%s: detail in %s", bad, content).isTrue();
        assertThat(answer.text("detail")).isNotBlank();
        assertThat(content.length()).as("%s: the answer echoes no large input", bad).isLessThan(1_000);
        assertThat(content).doesNotContain(PASSWORD);
        if (bad.message() != null) {
            assertThat(answer.text("message")).as("%s", bad).isEqualTo(bad.message());
        }
    }

    /** A six-digit code that is none of the device's codes near the clock's time. */
    private String wrongCode(Enrolled enrolled) {
        Set<String> near = Set.of(code(enrolled.setup().secret()),
                Totp.defaults().generate(enrolled.setup().secret(), clock.instant().minus(Duration.ofSeconds(30))),
                Totp.defaults().generate(enrolled.setup().secret(), clock.instant().plus(Duration.ofSeconds(30))),
                Totp.defaults().generate(enrolled.setup().secret(), clock.instant().plus(Duration.ofSeconds(60))));
        return Stream.of("000000", "111111", "222222", "333333", "444444").filter(c -> !near.contains(c))
                .findFirst().orElseThrow();
    }

    /** Everything a request on the user's behalf could change. */
    record State(String user, String totpDevices, String staticDevices, long events, long eventsOfUser,
            String refreshTokens, String profile, long oauthProfiles) {
    }

    private State state() {
        long id = user.id();
        return new State(
                rows("select a.failure_count, a.locked_at, u.is_active, u.last_login from auth_user u"
                        + " join otpgate_account a on a.id = u.id where u.id = ?", id),
                rows("select id, confirmed, last_step, drift, throttling_failure_count, throttling_failure_timestamp,"
                        + " last_used_at from otpgate_totp_device where account_id = ? order by id", id),
                rows("select d.id, d.confirmed, d.throttling_failure_count, d.throttling_failure_timestamp,"
                        + " d.last_used_at, (select count(*) from otpgate_static_token t where t.device_id = d.id) as codes"
                        + " from otpgate_static_device d where d.account_id = ? order by d.id", id),
                count("select count(*) from otpgate_security_event"),
                count("select count(*) from otpgate_security_event where account_id = ?", id),
                rows("select jti, used_at, revoked_at from refresh_token where user_id = ? order by jti", id),
                rows("select email, phone, first_name, last_name, updated_at, power_account_id, power_contact_id,"
                        + " is_otp_enabled from user_profile where user_id = ?", id),
                count("select count(*) from user_oauth_profile where user_id = ?", id));
    }

    private String rows(String sql, Object... params) {
        return jdbc.sql(sql).params(params).query().listOfRows().toString();
    }
}
