package io.otpgate.server.admin;

import java.time.Clock;
import java.util.List;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.FactorGrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.WebAttributes;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.security.web.csrf.CsrfException;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/** The login page (username, password and one-time code on one form), and the page of refused requests. */
@Controller
@ConditionalOnWebApplication
class AdminLoginController {

    /** Longest value read from a login field; longer ones are refused like a wrong password, unchecked. */
    private static final int MAX_FIELD = 4096;

    private final AdminLogin login;
    private final SecurityContextRepository contexts;
    private final AdminProperties properties;
    private final Clock clock;

    AdminLoginController(AdminLogin login, SecurityContextRepository adminSecurityContexts,
            AdminProperties properties, Clock clock) {
        this.login = login;
        this.contexts = adminSecurityContexts;
        this.properties = properties;
        this.clock = clock;
    }

    @GetMapping(AdminPaths.LOGIN)
    String form(HttpServletRequest request, Model model) {
        if (request.getAttribute(AdminSessionGuard.ADMIN) != null) {
            return "redirect:" + AdminPaths.ROOT;
        }
        if (request.getParameter("expired") != null) {
            model.addAttribute("notice", "Your session ended. Please log in again.");
        } else if (request.getParameter("ended") != null) {
            model.addAttribute("notice", "Every session of yours was ended, this one included. Please log in "
                    + "again.");
        } else if (request.getParameter("logout") != null) {
            model.addAttribute("notice", "You are logged out.");
        }
        return "admin/login";
    }

    @PostMapping(AdminPaths.LOGIN)
    String login(@RequestParam(defaultValue = "") String username, @RequestParam(defaultValue = "") String password,
            @RequestParam(defaultValue = "") String code, HttpServletRequest request, HttpServletResponse response,
            Model model, RedirectAttributes redirect) {
        AdminLogin.Result result = username.length() > MAX_FIELD || password.length() > MAX_FIELD
                || code.length() > MAX_FIELD ? AdminLogin.refused() : login.login(username, password, code, request.getRemoteAddr());
        if (result instanceof AdminLogin.Success success) {
            startSession(success.principal(), request, response);
            if (success.wrongCodes() > 0) {
                redirect.addFlashAttribute("notice", wrongCodes(success.wrongCodes()));
            }
            return "redirect:" + AdminPaths.ROOT;
        }
        AdminLogin.Refused refused = (AdminLogin.Refused) result;
        response.setStatus(refused.checked() ? HttpStatus.UNAUTHORIZED.value()
                : HttpStatus.TOO_MANY_REQUESTS.value());
        if (refused.retryAfter() != null) {
            long seconds = AdminModel.retrySeconds(refused.retryAfter());
            response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
            model.addAttribute("retryAfter", seconds);
        }
        model.addAttribute("error", refused.message());
        model.addAttribute("hint", refused.hint());
        model.addAttribute("username", username.length() > 150 ? "" : username);
        return "admin/login";
    }

    /** A refused request: not staff, or a form whose CSRF token is stale or missing. */
    @RequestMapping(AdminPaths.DENIED)
    String denied(HttpServletRequest request, HttpServletResponse response, Model model) {
        response.setStatus(HttpStatus.FORBIDDEN.value());
        Object cause = request.getAttribute(WebAttributes.ACCESS_DENIED_403);
        model.addAttribute("status", 403);
        model.addAttribute("reason", "Forbidden");
        model.addAttribute("message", cause instanceof CsrfException
                ? "The form's security token is stale or missing (the session may have ended). Go back, reload "
                        + "the page and try again."
                : cause instanceof AccessDeniedException ? "You may not open this page."
                : "You may not do this.");
        return "admin/error";
    }

    /** A new session (a new id, so a planted one is worthless) holding both factors. */
    private void startSession(AdminPrincipal principal, HttpServletRequest request, HttpServletResponse response) {
        HttpSession old = request.getSession(false);
        if (old != null) {
            old.invalidate();
        }
        HttpSession session = request.getSession(true);
        // The container ends a forgotten session a little after the guard would: the guard is the rule.
        session.setMaxInactiveInterval((int) properties.idleTimeout().plusMinutes(1).toSeconds());
        session.setAttribute(AdminSessionGuard.LAST_SEEN, clock.instant());
        List<GrantedAuthority> authorities = List.of(
                FactorGrantedAuthority.withAuthority(FactorGrantedAuthority.PASSWORD_AUTHORITY)
                        .issuedAt(principal.loggedInAt()).build(),
                FactorGrantedAuthority.withAuthority(AdminSecurityConfiguration.OTP_AUTHORITY)
                        .issuedAt(principal.loggedInAt()).build(),
                new SimpleGrantedAuthority("ROLE_STAFF"));
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(principal, null, authorities));
        SecurityContextHolder.setContext(context);
        contexts.saveContext(context, request, response);
    }

    /** The line that tells a user someone else tried codes after their password. */
    static String wrongCodes(int count) {
        return (count == 1 ? "1 wrong code was" : count + " wrong codes were") + " tried on your account since your "
                + "last login, after your password. If that was not you, change your password now.";
    }
}
