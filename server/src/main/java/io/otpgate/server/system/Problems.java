package io.otpgate.server.system;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one error shape of the API: RFC 9457 problem details ({@code application/problem+json}) that also carry the
 * keys the Django REST project's clients read: {@code detail}, {@code message} and {@code errors} (a list) all
 * hold the message.
 */
public final class Problems {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Problems() {
    }

    /** The body of a problem. */
    public static ProblemDetail of(HttpStatusCode status, String message, String path, Map<String, Object> extra) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, message);
        problem.setType(URI.create("about:blank"));
        if (path != null) {
            problem.setInstance(URI.create(path.replaceAll("[^A-Za-z0-9/._~-]", "_")));
        }
        problem.setProperty("message", message);
        problem.setProperty("errors", List.of(message));
        extra.forEach(problem::setProperty);
        return problem;
    }

    /** A response with a problem body, and {@code Retry-After} (whole seconds, at least 1) when given. */
    public static ResponseEntity<ProblemDetail> response(HttpStatusCode status, String message,
            HttpServletRequest request, Map<String, Object> extra, Duration retryAfter) {
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (retryAfter != null) {
            builder.header(HttpHeaders.RETRY_AFTER, Long.toString(seconds(retryAfter)));
        }
        return builder.body(of(status, message, request == null ? null : request.getRequestURI(), extra));
    }

    /** Writes a problem straight to a response (for filters, before MVC). */
    public static void write(HttpServletResponse response, HttpServletRequest request, HttpStatusCode status,
            String message, Map<String, Object> extra) throws IOException {
        response.setStatus(status.value());
        // Written before or outside Spring Security's header writers: the same headers it would add.
        response.setHeader(HttpHeaders.CACHE_CONTROL, "no-cache, no-store, max-age=0, must-revalidate");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        ProblemDetail problem = of(status, message, request.getRequestURI(), extra);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", problem.getType().toString());
        body.put("title", problem.getTitle());
        body.put("status", problem.getStatus());
        body.put("detail", problem.getDetail());
        body.put("instance", problem.getInstance() == null ? null : problem.getInstance().toString());
        if (problem.getProperties() != null) {
            body.putAll(problem.getProperties());
        }
        JSON.writeValue(response.getOutputStream(), body);
    }

    static long seconds(Duration wait) {
        return Math.max(1, wait.getNano() > 0 ? wait.getSeconds() + 1 : wait.getSeconds());
    }
}
