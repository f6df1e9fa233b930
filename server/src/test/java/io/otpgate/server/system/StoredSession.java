package io.otpgate.server.system;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.session.SessionRepository;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

import jakarta.servlet.http.Cookie;

/**
 * An admin session kept by Spring Session in the database, for MockMvc tests: the server reads the session from its
 * cookie, never from a {@link MockHttpSession} handed to the request, so this one carries the cookie ({@link #sentWith})
 * and asks the repository whether the session still exists ({@link #isInvalid}).
 */
public final class StoredSession extends MockHttpSession {

    /** Spring Session's cookie. */
    public static final String COOKIE = "SESSION";

    private final String cookie;
    private final String id;
    private final SessionRepository<?> repository;

    private StoredSession(String cookie, String id, SessionRepository<?> repository) {
        this.cookie = cookie;
        this.id = id;
        this.repository = repository;
    }

    /** The session whose cookie the response sets, or null if it sets none (or only clears one). */
    public static StoredSession from(MockHttpServletResponse response, SessionRepository<?> repository) {
        Cookie set = response.getCookie(COOKIE);
        if (set == null || set.getValue() == null || set.getValue().isEmpty() || set.getMaxAge() == 0) {
            return null;
        }
        String id = new String(java.util.Base64.getDecoder().decode(set.getValue()),
                java.nio.charset.StandardCharsets.UTF_8);
        return new StoredSession(set.getValue(), id, repository);
    }

    /**
     * Sends the session with a request: a stored session as its cookie; any other {@link MockHttpSession} (a
     * session the server never made) as the request's container session, which the server ignores.
     */
    public static RequestPostProcessor sentWith(MockHttpSession session) {
        return request -> {
            if (session instanceof StoredSession stored) {
                List<Cookie> cookies = new ArrayList<>(request.getCookies() == null ? List.of()
                        : Arrays.asList(request.getCookies()));
                cookies.add(new Cookie(COOKIE, stored.cookie));
                request.setCookies(cookies.toArray(Cookie[]::new));
            } else if (session != null) {
                request.setSession(session);
            }
            return request;
        };
    }

    /** The session's id in the database ({@code spring_session.session_id}). */
    @Override
    public String getId() {
        return id;
    }

    /** True once the session is gone from the database (logged out, ended by the guard, or expired). */
    @Override
    public boolean isInvalid() {
        return repository.findById(id) == null;
    }
}
