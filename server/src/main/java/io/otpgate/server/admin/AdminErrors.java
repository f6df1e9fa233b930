package io.otpgate.server.admin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.ModelAndView;

import io.otpgate.spring.system.OtpgateException;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The admin panel's error pages: the same refusals as the API ({@link OtpgateException}'s status), as HTML. Nothing
 * from a request's secrets, and no stack trace, reaches the page.
 */
@ControllerAdvice(basePackageClasses = AdminErrors.class)
@ConditionalOnWebApplication
@Order(Ordered.HIGHEST_PRECEDENCE)
class AdminErrors {

    private static final Logger log = LoggerFactory.getLogger(AdminErrors.class);

    private final AdminProperties properties;

    AdminErrors(AdminProperties properties) {
        this.properties = properties;
    }

    @ExceptionHandler(OtpgateException.class)
    ModelAndView refused(OtpgateException e, HttpServletRequest request) {
        return page(HttpStatus.valueOf(e.reason().httpStatus()), e.getMessage(), request);
    }

    @ExceptionHandler({ MethodArgumentTypeMismatchException.class, MissingServletRequestParameterException.class,
        HandlerMethodValidationException.class })
    ModelAndView badRequest(Exception e, HttpServletRequest request) {
        return page(HttpStatus.BAD_REQUEST, "The request is malformed: a field is missing or has the wrong type.",
                request);
    }

    /** A header value or parameter name that Spring Security's firewall refuses when it is read (see ApiErrors). */
    @ExceptionHandler(RequestRejectedException.class)
    ModelAndView rejected(RequestRejectedException e, HttpServletRequest request) {
        return page(HttpStatus.BAD_REQUEST, "The request has a header or field that is not allowed.", request);
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ModelAndView method(HttpRequestMethodNotSupportedException e, HttpServletRequest request) {
        return page(HttpStatus.METHOD_NOT_ALLOWED, "This address does not take " + e.getMethod() + " requests.",
                request);
    }

    /** A row lock not had in time, or another passing failure (see {@code ApiErrors}); its message is not logged. */
    @ExceptionHandler(TransientDataAccessException.class)
    ModelAndView busy(TransientDataAccessException e, HttpServletRequest request) {
        log.warn("admin {} {}: database busy ({})", request.getMethod(), request.getRequestURI(),
                e.getClass().getSimpleName());
        return page(HttpStatus.SERVICE_UNAVAILABLE, "Too many requests on this account at once: try again.",
                request);
    }

    @ExceptionHandler(Exception.class)
    ModelAndView unexpected(Exception e, HttpServletRequest request) {
        log.error("admin {} {} failed", request.getMethod(), request.getRequestURI(), e);
        return page(HttpStatus.INTERNAL_SERVER_ERROR, "Something went wrong on the server; it is in the log.",
                request);
    }

    private ModelAndView page(HttpStatus status, String message, HttpServletRequest request) {
        ModelAndView page = new ModelAndView("admin/error", status);
        page.addObject("status", status.value());
        page.addObject("reason", status.getReasonPhrase());
        page.addObject("message", message);
        page.addObject("site", properties);
        page.addObject("me", request.getAttribute(AdminSessionGuard.ADMIN));
        return page;
    }
}
