package io.otpgate.server.system;

import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

import jakarta.servlet.http.HttpServletRequest;
import io.otpgate.spring.system.OtpgateException;

/**
 * The one mapping from refusals to HTTP answers for the API: every one is a problem+json body (see
 * {@link Problems}); nothing about a request's secrets, and no stack trace, ever reaches the client.
 */
@RestControllerAdvice
@ConditionalOnWebApplication
class ApiErrors {

    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    @ExceptionHandler(ApiRefusal.class)
    ResponseEntity<ProblemDetail> refused(ApiRefusal e, HttpServletRequest request) {
        ResponseEntity<ProblemDetail> answer = Problems.response(e.status(), e.getMessage(), request, e.extra(),
                e.retryAfter());
        return e.challenge() == null ? answer : ResponseEntity.status(answer.getStatusCode())
                .headers(answer.getHeaders()).header(org.springframework.http.HttpHeaders.WWW_AUTHENTICATE,
                        e.challenge())
                .body(answer.getBody());
    }

    @ExceptionHandler(OtpgateException.class)
    ResponseEntity<ProblemDetail> domain(OtpgateException e, HttpServletRequest request) {
        return problem(HttpStatus.valueOf(e.reason().httpStatus()), e.getMessage(), request);
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ProblemDetail> unreadable(HttpMessageNotReadableException e, HttpServletRequest request) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof RequestBodyLimitFilter.BodyTooLargeException tooLarge) {
                return problem(HttpStatus.CONTENT_TOO_LARGE, tooLarge.getMessage(), request);
            }
        }
        // The parser's own message may quote the body: it is not passed on.
        return problem(HttpStatus.BAD_REQUEST, "request body must be valid JSON", request);
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ProblemDetail> mediaType(HttpMediaTypeNotSupportedException e, HttpServletRequest request) {
        return problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, JsonOnlyFilter.NOT_JSON, request);
    }

    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    ResponseEntity<ProblemDetail> notAcceptable(HttpMediaTypeNotAcceptableException e, HttpServletRequest request) {
        return problem(HttpStatus.NOT_ACCEPTABLE, "answers are application/json", request);
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<ProblemDetail> method(HttpRequestMethodNotSupportedException e, HttpServletRequest request) {
        ResponseEntity<ProblemDetail> answer = problem(HttpStatus.METHOD_NOT_ALLOWED,
                "Method \"" + e.getMethod() + "\" not allowed.", request);
        return e.getSupportedHttpMethods() == null ? answer
                : ResponseEntity.status(answer.getStatusCode()).headers(answer.getHeaders())
                        .allow(e.getSupportedHttpMethods().toArray(org.springframework.http.HttpMethod[]::new))
                        .body(answer.getBody());
    }

    @ExceptionHandler({ NoResourceFoundException.class, MethodArgumentTypeMismatchException.class })
    ResponseEntity<ProblemDetail> notFound(Exception e, HttpServletRequest request) {
        return problem(HttpStatus.NOT_FOUND, "Not found.", request);
    }

    @ExceptionHandler(MissingServletRequestParameterException.class)
    ResponseEntity<ProblemDetail> missingParameter(MissingServletRequestParameterException e,
            HttpServletRequest request) {
        return problem(HttpStatus.BAD_REQUEST, "parameter `" + e.getParameterName() + "` is required", request);
    }

    /**
     * Spring Security's firewall checks header values and parameter names only when they are read (by MVC, after
     * the filter chain): a control character in {@code Content-Type}, say. A 400, like the URLs it refuses at once.
     */
    @ExceptionHandler(RequestRejectedException.class)
    ResponseEntity<ProblemDetail> rejected(RequestRejectedException e, HttpServletRequest request) {
        return problem(HttpStatus.BAD_REQUEST, "the request has a header or parameter that is not allowed", request);
    }

    /**
     * A row lock not had in time (H2 waits {@code LOCK_TIMEOUT}, 10 s in the embedded default: many requests on one
     * account at once), or another passing failure of the database. Nothing was written; the client may retry. The
     * database's message is not logged: it can quote the locked row.
     */
    @ExceptionHandler(TransientDataAccessException.class)
    ResponseEntity<ProblemDetail> busy(TransientDataAccessException e, HttpServletRequest request) {
        log.warn("database busy on {} {} ({})", request.getMethod(), request.getRequestURI(),
                e.getClass().getSimpleName());
        return Problems.response(HttpStatus.SERVICE_UNAVAILABLE, "Too many requests on this account at once: "
                + "try again in 1 s", request, Map.of(), java.time.Duration.ofSeconds(1));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e, HttpServletRequest request) {
        log.error("unexpected error on {} {}", request.getMethod(), request.getRequestURI(), e);
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal error", request);
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String message,
            HttpServletRequest request) {
        return Problems.response(status, message, request, Map.of(), null);
    }
}
