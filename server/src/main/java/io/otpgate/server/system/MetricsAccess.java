package io.otpgate.server.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.function.Supplier;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Lets a request read the metrics when it carries {@code Authorization: Bearer <otpgate.metrics.token>} (compared in
 * constant time); without a configured token, no request may. The metrics show security events as they happen, the
 * JVM's version and file paths: an operator's, not the public's.
 */
public final class MetricsAccess implements AuthorizationManager<RequestAuthorizationContext> {

    private static final String PREFIX = "Bearer ";

    private final byte[] expected;

    public MetricsAccess(MetricsProperties properties) {
        this.expected = properties.token() == null ? null : sha256(properties.token());
    }

    @Override
    public AuthorizationResult authorize(Supplier<? extends Authentication> authentication,
            RequestAuthorizationContext context) {
        return new AuthorizationDecision(carriesToken(context.getRequest()));
    }

    private boolean carriesToken(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (expected == null || header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return false;
        }
        // Digests of equal length: the comparison tells nothing about the token's length either.
        return MessageDigest.isEqual(expected, sha256(header.substring(PREFIX.length())));
    }

    /** 401 with {@code WWW-Authenticate: Bearer realm="metrics"} and a problem body. */
    public static AuthenticationEntryPoint unauthorized() {
        return MetricsAccess::unauthorized;
    }

    private static void unauthorized(HttpServletRequest request, HttpServletResponse response,
            AuthenticationException e) throws IOException {
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"metrics\"");
        Problems.write(response, request, HttpStatus.UNAUTHORIZED, "the metrics need otpgate.metrics.token",
                Map.of());
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
