package io.otpgate.server.admin;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.SessionVersions;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserRepository;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * Ends an admin session that is too old (the absolute timeout, counted from the login), idle too long, whose
 * user is no longer an active staff member with a confirmed device, or whose user's sessions were ended since the
 * login (the session version moved on: a password change, a reset, "log out everywhere"); otherwise hands the user,
 * as read from the database on this request, to the pages ({@link #ADMIN}). A demotion or a reset second factor
 * therefore takes effect on the next request, not at the next login.
 */
class AdminSessionGuard extends OncePerRequestFilter {

    /** The request attribute holding the logged-in {@link User}, fresh from the database. */
    static final String ADMIN = AdminSessionGuard.class.getName() + ".admin";

    /** The session attribute holding the time of the session's last request. */
    static final String LAST_SEEN = AdminSessionGuard.class.getName() + ".lastSeen";

    private final UserRepository users;
    private final DeviceService devices;
    private final SessionVersions sessions;
    private final AdminProperties properties;
    private final Clock clock;

    AdminSessionGuard(UserRepository users, DeviceService devices, SessionVersions sessions,
            AdminProperties properties, Clock clock) {
        this.users = users;
        this.devices = devices;
        this.sessions = sessions;
        this.properties = properties;
        this.clock = clock;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication == null || !(authentication.getPrincipal() instanceof AdminPrincipal principal)) {
            chain.doFilter(request, response);
            return;
        }
        HttpSession session = request.getSession(false);
        Instant now = clock.instant();
        Optional<User> admin = session == null ? Optional.empty() : current(principal, session, now);
        if (admin.isEmpty()) {
            SecurityContextHolder.clearContext();
            if (session != null) {
                session.invalidate();
            }
            response.setStatus(HttpServletResponse.SC_SEE_OTHER);
            response.setHeader("Location", request.getContextPath() + AdminPaths.LOGIN + "?expired=1");
            return;
        }
        session.setAttribute(LAST_SEEN, now);
        request.setAttribute(ADMIN, admin.get());
        chain.doFilter(request, response);
    }

    private Optional<User> current(AdminPrincipal principal, HttpSession session, Instant now) {
        Instant lastSeen = session.getAttribute(LAST_SEEN) instanceof Instant seen ? seen : principal.loggedInAt();
        if (!now.isBefore(principal.loggedInAt().plus(properties.absoluteTimeout()))
                || !now.isBefore(lastSeen.plus(properties.idleTimeout()))) {
            return Optional.empty();
        }
        return users.findById(principal.userId()).filter(u -> u.active() && u.staff())
                .filter(u -> sessions.current(u.id()) == principal.sessionVersion())
                .filter(u -> devices.hasConfirmedDevice(u.id()));
    }
}
