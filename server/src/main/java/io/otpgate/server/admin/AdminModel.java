package io.otpgate.server.admin;

import java.time.Duration;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

import io.otpgate.server.user.User;
import jakarta.servlet.http.HttpServletRequest;

/** What every admin page shows: the site's title and header, and who is logged in. */
@ControllerAdvice(basePackageClasses = AdminModel.class)
@ConditionalOnWebApplication
class AdminModel {

    private final AdminProperties properties;

    AdminModel(AdminProperties properties) {
        this.properties = properties;
    }

    @ModelAttribute("site")
    AdminProperties site() {
        return properties;
    }

    /** The logged-in user, read from the database on this request; null on the login page. */
    @ModelAttribute("me")
    User me(HttpServletRequest request) {
        return request.getAttribute(AdminSessionGuard.ADMIN) instanceof User user ? user : null;
    }

    /** A wait in whole seconds, rounded up, at least 1: what a page and {@code Retry-After} say. */
    static long retrySeconds(Duration wait) {
        return Math.max(1, wait.toSeconds() + (wait.toNanosPart() > 0 ? 1 : 0));
    }

    /** The logged-in user, for a page that requires one. */
    static User current(HttpServletRequest request) {
        if (request.getAttribute(AdminSessionGuard.ADMIN) instanceof User user) {
            return user;
        }
        throw new IllegalStateException("no admin user on an admin page: is AdminSessionGuard in the chain?");
    }
}
