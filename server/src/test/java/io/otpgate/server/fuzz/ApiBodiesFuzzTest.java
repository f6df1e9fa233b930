package io.otpgate.server.fuzz;

import java.util.Map;

import org.springframework.http.HttpMethod;

import org.junit.jupiter.api.Test;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.otpgate.core.fuzz.FuzzBytes;
import io.otpgate.server.fuzz.FuzzServer.Answer;

/**
 * Every endpoint of the REST API through MockMvc with arbitrary bodies and content types, and valid tokens where
 * one is needed: never a 5xx, a JSON body for every 4xx, and no change of state on a refused request
 * ({@link ApiChecks}). One method per endpoint that reads a JSON body, so that each has its own corpus; one more
 * sends any method to any API path.
 *
 * <p>Input layout ({@link FuzzBytes}): content type selector (with a UTF-16 string when it picks "any text"),
 * token selector ({@link FuzzServer#authorization}), then the body, in which the placeholders of
 * {@link FuzzServer#fill} are replaced with valid values. The corpus files are these bytes.
 */
class ApiBodiesFuzzTest {

    private static final String[] CONTENT_TYPES = { "application/json", "application/json;charset=UTF-8",
        "application/json; charset=ISO-8859-1", "application/json;charset=UTF-16", "application/problem+json",
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=fuzz", null, "any text",
        "application/json;charset=no-such-charset", "*/*" };

    /**
     * The API's paths, for {@link #anyMethodOnAnyPath}; {@code /api/oauth_profiles/} gets an arbitrary id. New paths
     * go at the end, so that the corpus keeps its paths.
     */
    private static final String[] PATHS = { "/api/token", "/api/token/refresh", "/api/token/blacklist",
        "/api/totp/create", "/api/totp/rollback", "/api/totp/login", "/api/totp/delete", "/api/totp/status",
        "/api/totp/recovery_code/create", "/api/totp/recovery_code/login", "/api/me", "/api/profile",
        "/api/oauth_profiles", "/api/token/logout-all", "/.well-known/jwks.json", "/api/no-such-endpoint",
        "/api/oauth_profiles/", "/api/webauthn/register/options", "/api/webauthn/register",
        "/api/webauthn/login/options", "/api/webauthn/login" };

    private static final HttpMethod[] METHODS = { HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE,
        HttpMethod.PATCH, HttpMethod.PUT, HttpMethod.HEAD, HttpMethod.OPTIONS };

    private final FuzzServer server = FuzzServer.get();

    @FuzzTest
    void tokenObtain(byte[] input) throws Exception {
        send(HttpMethod.POST, "/api/token", new FuzzBytes(input));
    }

    @FuzzTest
    void tokenRefresh(byte[] input) throws Exception {
        send(HttpMethod.POST, "/api/token/refresh", new FuzzBytes(input));
    }

    @FuzzTest
    void tokenBlacklist(byte[] input) throws Exception {
        send(HttpMethod.POST, "/api/token/blacklist", new FuzzBytes(input));
    }

    @FuzzTest
    void totpLogin(byte[] input) throws Exception {
        send(HttpMethod.POST, "/api/totp/login", new FuzzBytes(input));
    }

    @FuzzTest
    void recoveryCodeLogin(byte[] input) throws Exception {
        send(HttpMethod.POST, "/api/totp/recovery_code/login", new FuzzBytes(input));
    }

    @FuzzTest
    void profileUpdate(byte[] input) throws Exception {
        send(HttpMethod.PATCH, "/api/profile", new FuzzBytes(input));
    }

    @FuzzTest
    void oauthProfileCreate(byte[] input) throws Exception {
        send(HttpMethod.POST, "/api/oauth_profiles", new FuzzBytes(input));
    }

    @FuzzTest
    void webauthnRegisterOptions(byte[] input) throws Exception {
        sendPasskey("/api/webauthn/register/options", new FuzzBytes(input));
    }

    /** Registration answers; {@code ${registration}} is a valid one for {@code fuzz-plain} (token selector 1). */
    @FuzzTest
    void webauthnRegister(byte[] input) throws Exception {
        sendPasskey("/api/webauthn/register", new FuzzBytes(input));
    }

    @FuzzTest
    void webauthnLoginOptions(byte[] input) throws Exception {
        sendPasskey("/api/webauthn/login/options", new FuzzBytes(input));
    }

    /** Assertions; {@code ${assertion}} is a valid one for {@code fuzz-passkey} (token selector 0). */
    @FuzzTest
    void webauthnLogin(byte[] input) throws Exception {
        sendPasskey("/api/webauthn/login", new FuzzBytes(input));
    }

    /**
     * The passkey fixtures are valid as they are (so that the corpus reaches the ceremonies' success paths, and
     * mutations of them their every check): the assertion proves {@code fuzz-passkey}'s second factor, the
     * registration adds a passkey for {@code fuzz-plain}. The database is put back after each.
     */
    @Test
    void passkeyFixturesWhenSentUnchangedThenAccepted() throws Exception {
        Map<String, String> before = server.snapshot();
        Answer login = server.send(HttpMethod.POST, "/api/webauthn/login", "application/json",
                server.passkeyAuthorization(0), server.fill("{\"credential\":${assertion}}".getBytes()));
        server.restore(server.snapshot());
        Answer register = server.send(HttpMethod.POST, "/api/webauthn/register", "application/json",
                server.passkeyAuthorization(1), server.fill("{\"credential\":${registration}}".getBytes()));
        server.restore(server.snapshot());

        org.assertj.core.api.Assertions.assertThat(login.status()).as(login.text()).isEqualTo(200);
        org.assertj.core.api.Assertions.assertThat(register.status()).as(register.text()).isEqualTo(201);
        org.assertj.core.api.Assertions.assertThat(server.snapshot()).isEqualTo(before);
    }

    /**
     * Any method on any path of the API (the endpoints without a body get one anyway). Layout: path selector (for
     * the last path, a UTF-16 id that is percent-encoded), method selector, then as for the other methods.
     */
    @FuzzTest
    void anyMethodOnAnyPath(byte[] input) throws Exception {
        FuzzBytes in = new FuzzBytes(input);
        String path = in.pick(PATHS);
        if (path.endsWith("/oauth_profiles/")) {
            String id = in.utf16(24);
            path += id.equals("${oauth_id}") ? Long.toString(server.oauthProfileId)
                    : java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
        }
        send(in.pick(METHODS), path, in);
    }

    private void send(HttpMethod method, String path, FuzzBytes in) throws Exception {
        send(method, path, in, false);
    }

    /** A POST to a passkey path, with the passkey paths' tokens ({@link FuzzServer#passkeyAuthorization}). */
    private void sendPasskey(String path, FuzzBytes in) throws Exception {
        send(HttpMethod.POST, path, in, true);
    }

    private void send(HttpMethod method, String path, FuzzBytes in, boolean passkeyTokens) throws Exception {
        int contentTypeSelector = in.u8() % CONTENT_TYPES.length;
        String contentType = CONTENT_TYPES[contentTypeSelector];
        if ("any text".equals(contentType)) {
            contentType = in.utf16(80);
        }
        String authorization = passkeyTokens ? server.passkeyAuthorization(in.u8()) : server.authorization(in.u8());
        byte[] body = server.fill(in.rest());
        Map<String, String> before = server.snapshot();
        Answer answer = server.send(method, path, contentType, authorization, body);
        String request = method + " " + path.replaceAll("/oauth_profiles/.+", "/oauth_profiles/{id}")
                + " (content type #" + contentTypeSelector + ")";
        ApiChecks.check(server, request, path.replaceAll("/oauth_profiles/.+", "/oauth_profiles/{id}"), answer,
                before);
    }
}
