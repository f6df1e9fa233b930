package io.otpgate.server.system;

import java.time.Duration;
import java.util.Map;

import org.springframework.http.HttpStatus;

import io.otpgate.spring.webauthn.WebAuthnRefusal;

/**
 * An API request refused for a reason that is not a domain rule: bad credentials, too many attempts, a wrong code.
 * Mapped to its status in one place ({@link ApiErrors}); the message goes to the client and never holds a secret.
 */
public class ApiRefusal extends RuntimeException {

    private final HttpStatus status;
    private final Duration retryAfter;
    private final Map<String, Object> extra;
    private final String challenge;

    private ApiRefusal(HttpStatus status, String message, Duration retryAfter, Map<String, Object> extra) {
        this(status, message, retryAfter, extra, null);
    }

    private ApiRefusal(HttpStatus status, String message, Duration retryAfter, Map<String, Object> extra,
            String challenge) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfter = retryAfter;
        this.extra = extra;
        this.challenge = challenge;
    }

    public static ApiRefusal badRequest(String message) {
        return new ApiRefusal(HttpStatus.BAD_REQUEST, message, null, Map.of());
    }

    /** 401 with a simplejwt-style {@code code} (such as {@code token_not_valid}). */
    public static ApiRefusal unauthorized(String message, String code) {
        return new ApiRefusal(HttpStatus.UNAUTHORIZED, message, null, Map.of("code", code));
    }

    /** 403: the request needs a second factor that the token has not proven. */
    public static ApiRefusal forbidden(String message) {
        return new ApiRefusal(HttpStatus.FORBIDDEN, message, null, Map.of());
    }

    /**
     * A refused passkey response: 429 when the user's second factor is locked, else 400. The message is
     * {@link WebAuthnRefusal#message()} (it never says whose a credential is), and {@code code} the refusal's name in
     * lower case ({@code replayed}, {@code origin_not_allowed}, ...) for clients that act on it.
     *
     * @param retryAfter when locked, how long until the lock ends by itself; null when only an operator lifts it
     */
    public static ApiRefusal passkeyRefused(WebAuthnRefusal reason, Duration retryAfter) {
        String code = reason.name().toLowerCase(java.util.Locale.ROOT);
        return reason == WebAuthnRefusal.LOCKED
                ? new ApiRefusal(HttpStatus.TOO_MANY_REQUESTS, reason.message(), retryAfter, Map.of("code", code))
                : new ApiRefusal(HttpStatus.BAD_REQUEST, reason.message(), null, Map.of("code", code));
    }

    /**
     * 401 for a sensitive action whose second factor is not recent enough (RFC 9470 step-up): the body's
     * {@code code} is {@code insufficient_user_authentication} and {@code max_age} the window in seconds.
     *
     * @param challenge the {@code WWW-Authenticate} value ({@code StepUp.challenge})
     */
    public static ApiRefusal insufficientUserAuthentication(String message, String challenge, long maxAgeSeconds) {
        return new ApiRefusal(HttpStatus.UNAUTHORIZED, message, null,
                Map.of("code", "insufficient_user_authentication", "max_age", maxAgeSeconds), challenge);
    }

    /**
     * 429 with {@code Retry-After}.
     *
     * @param retryAfter how long to wait, or null when only an operator can lift the refusal
     */
    public static ApiRefusal tooManyAttempts(String message, Duration retryAfter) {
        return new ApiRefusal(HttpStatus.TOO_MANY_REQUESTS, message, retryAfter, Map.of());
    }

    public HttpStatus status() {
        return status;
    }

    /** How long to wait, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** The {@code WWW-Authenticate} header's value, or null for none. */
    public String challenge() {
        return challenge;
    }

    /** Further members of the error body. */
    public Map<String, Object> extra() {
        return extra;
    }
}
