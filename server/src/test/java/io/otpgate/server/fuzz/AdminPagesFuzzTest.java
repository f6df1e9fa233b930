package io.otpgate.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.otpgate.core.fuzz.FuzzBytes;
import io.otpgate.server.system.StoredSession;

/**
 * Every page and form of the admin panel ({@code *Controller} under {@code admin}) with arbitrary form fields and
 * query strings, in a logged-in superuser's session, with or without the CSRF token: never a 5xx, and a refusal
 * (any 4xx) changes nothing, except that a wrong password or code at login, or a wrong first code of a new device,
 * may count a failure and write a security event. Success is a redirect, or one of the pages that show a new
 * secret once.
 *
 * <p>Input layout ({@link FuzzBytes}): route, the user id and device id it names (fixtures, or any text), the device
 * kind, whether the CSRF token is sent, then the form body (POST) or query string (GET), as bytes.
 */
class AdminPagesFuzzTest {

    /** Method and path; {id}, {deviceId}, {oauthId} and {kind} are filled from the input. */
    private static final String[] ROUTES = { "GET /admin/", "GET /admin/users", "GET /admin/users/new",
        "POST /admin/users/new", "GET /admin/users/{id}", "POST /admin/users/{id}", "POST /admin/users/{id}/oauth",
        "POST /admin/users/{id}/oauth/{oauthId}/delete", "GET /admin/users/{id}/password",
        "POST /admin/users/{id}/password", "GET /admin/users/{id}/devices", "GET /admin/account",
        "POST /admin/users/{id}/devices/totp", "POST /admin/users/{id}/devices/totp/{deviceId}/confirm",
        "POST /admin/users/{id}/recovery-codes", "POST /admin/users/{id}/devices/{kind}/{deviceId}/delete",
        "POST /admin/users/{id}/reset", "POST /admin/users/{id}/unlock", "GET /admin/events", "POST /admin/login",
        "GET /admin/login", "GET /admin/static/admin.css", "GET /admin/no-such-page", "POST /admin/users",
        "POST /admin/users/{id}/sessions/end", "POST /admin/sessions/end", "POST /admin/account/confirm" };

    /** Refusals that may count a failure: a login, the first code of a new device, and "Confirm it is you". */
    private static final Set<String> COUNTED = Set.of("POST /admin/login",
        "POST /admin/users/{id}/devices/totp/{deviceId}/confirm", "POST /admin/account/confirm");
    // A refused attempt is counted: failure counts, the second factor's failure rows (otpgate_failure), the password
    // throttle's rows (login_throttle, and login_familiar when the password was right), the security log.
    private static final Set<String> ATTEMPT_PARTS = Set.of(FuzzServer.THROTTLE, "otpgate_failure", "login_throttle",
            "login_familiar", "otpgate_security_event");

    private static MockHttpSession session;

    private final FuzzServer server = FuzzServer.get();

    @FuzzTest
    void anyAdminRequest(byte[] input) throws Exception {
        FuzzBytes in = new FuzzBytes(input);
        String route = in.pick(ROUTES);
        FuzzServer.Admin admin = server.admin;
        String userId = id(in, admin.adminId(), admin.enrolledId(), admin.plainId());
        String deviceId = id(in, admin.enrolledTotpId(), admin.adminTotpId(), admin.enrolledStaticId());
        String kind = in.pick("totp", "hotp", "static", "TOTP", "sms");
        boolean withCsrf = in.u8() % 8 != 0;
        byte[] rest = server.fill(in.rest());

        String method = route.substring(0, route.indexOf(' '));
        String path = route.substring(route.indexOf(' ') + 1).replace("{id}", userId).replace("{deviceId}", deviceId)
                .replace("{oauthId}", deviceId.equals(Long.toString(admin.enrolledTotpId()))
                        ? Long.toString(admin.oauthProfileId()) : deviceId)
                .replace("{kind}", kind);
        boolean login = route.equals("POST /admin/login") || route.equals("GET /admin/login");
        MockHttpSession current = login ? new MockHttpSession() : loggedIn();

        Map<String, String> before = server.snapshot();
        MockHttpServletRequestBuilder request;
        if (method.equals("GET")) {
            request = MockMvcRequestBuilders.get(java.net.URI.create(path + "?" + query(rest)));
        } else {
            request = MockMvcRequestBuilders.post(java.net.URI.create(path))
                    .header(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_FORM_URLENCODED_VALUE).content(rest);
            if (withCsrf) {
                request.with(SecurityMockMvcRequestPostProcessors.csrf());
            }
        }
        request.with(StoredSession.sentWith(current)).with(r -> {
            r.setRemoteAddr("192.0.2.78");
            return r;
        });
        MockHttpServletResponse response = server.mvc.perform(request).andReturn().getResponse();
        Map<String, String> after = server.snapshot();
        try {
            int status = response.getStatus();
            assertThat(status).as("%s: status", route).isLessThan(500);
            if (status >= 400) {
                Set<String> changed = FuzzServer.changed(before, after);
                if (COUNTED.contains(route)) {
                    assertThat(ATTEMPT_PARTS).as("%s: %d changed only failure counts and events", route, status)
                            .containsAll(changed);
                } else {
                    assertThat(changed).as("%s: refused with %d yet changed", route, status).isEmpty();
                }
            }
        } finally {
            server.restore(after);
        }
    }

    /** The id the selector names: one of the fixtures, or (rarely) any text, percent-encoded. */
    private static String id(FuzzBytes in, long... fixtures) {
        int selector = in.u8();
        if (selector < 240) {
            return Long.toString(fixtures[selector % fixtures.length]);
        }
        return URLEncoder.encode(in.utf16(20), StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The bytes as a query string: its structure ({@code &}, {@code =}) kept, everything else percent-encoded. */
    private static String query(byte[] bytes) {
        StringBuilder query = new StringBuilder();
        for (byte b : bytes) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '&' || c == '='
                    || c == '-' || c == '_' || c == '.') {
                query.append((char) c);
            } else {
                query.append('%').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
            }
        }
        return query.toString();
    }

    /** The admin's session, logged in again when a request ended it (a device of its own removed, say). */
    private MockHttpSession loggedIn() throws Exception {
        if (session == null || session.isInvalid()) {
            session = server.adminSession();
        }
        return session;
    }
}
