package io.otpgate.server.admin;

import java.time.Clock;
import java.util.List;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
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
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.FlashMap;
import org.springframework.web.servlet.support.RequestContextUtils;

import io.otpgate.spring.factor.OtpFactor;
import io.otpgate.spring.webauthn.WebAuthnRefusal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * The login page (username, password and one-time code on one form), the passkey login's two JSON steps (the page's
 * "Use a passkey", see {@link AdminPasskeyLogin}), and the page of refused requests.
 */
@Controller
@ConditionalOnWebApplication
class AdminLoginController {

    /** Longest value read from a login field; longer ones are refused like a wrong password, unchecked. */
    private static final int MAX_FIELD = 4096;
    /** Longest passkey answer read (an assertion is about 1 KB); a longer one is refused unread. */
    private static final int MAX_CREDENTIAL = 65536;
    /** The session attribute holding {@link AdminPasskeyLogin.PasswordChecked} between the passkey steps. */
    static final String PASSWORD_CHECKED = AdminLoginController.class.getName() + ".passwordChecked";

    private final AdminLogin login;
    private final AdminPasskeyLogin passkeyLogin;
    private final SecurityContextRepository contexts;
    private final AdminProperties properties;
    private final Clock clock;

    AdminLoginController(AdminLogin login, AdminPasskeyLogin passkeyLogin,
            SecurityContextRepository adminSecurityContexts, AdminProperties properties, Clock clock) {
        this.login = login;
        this.passkeyLogin = passkeyLogin;
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
            startSession(success.principal(), false, request, response);
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

    /** The passkey login's answer when it ends in a session: where the page goes next. */
    record Next(String redirect) {
    }

    /**
     * A refused passkey login step, as the login page words it.
     *
     * @param retryAfter seconds to wait before the next attempt is checked, or null
     */
    record Refusal(String error, String hint, Long retryAfter) {
    }

    /**
     * The passkey login's password step: the username and password are checked once (as a code login checks them),
     * and for a staff user with a passkey the answer is the request options ({@code PublicKeyCredentialRequestOptions}
     * in WebAuthn's JSON form); the session keeps "password checked" for the challenge's lifetime. Otherwise 401 (or
     * 429 during a wait) with the code login's refusal.
     */
    @PostMapping(value = AdminPaths.LOGIN_PASSKEY_OPTIONS, produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    ResponseEntity<?> passkeyOptions(@RequestParam(defaultValue = "") String username,
            @RequestParam(defaultValue = "") String password, HttpServletRequest request) {
        HttpSession session = request.getSession(true);
        session.removeAttribute(PASSWORD_CHECKED);
        AdminPasskeyLogin.Start start = username.length() > MAX_FIELD || password.length() > MAX_FIELD
                ? new AdminPasskeyLogin.Refused(AdminLogin.refused())
                : passkeyLogin.start(username, password, request.getRemoteAddr());
        if (start instanceof AdminPasskeyLogin.Challenge challenge) {
            session.setAttribute(PASSWORD_CHECKED, challenge.checked());
            return ResponseEntity.ok().cacheControl(CacheControl.noStore()).body(challenge.options());
        }
        return refusal(((AdminPasskeyLogin.Refused) start).refusal());
    }

    /**
     * The passkey login's assertion step: {@code credential} is the browser's {@code PublicKeyCredential} as JSON.
     * The password step's mark is used up whatever the outcome. On success the same session as a code login starts
     * (with {@code FACTOR_WEBAUTHN} beside {@code FACTOR_OTP}) and the answer names the page to open.
     */
    @PostMapping(value = AdminPaths.LOGIN_PASSKEY, produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    ResponseEntity<?> passkeyLogin(@RequestParam(defaultValue = "") String credential, HttpServletRequest request,
            HttpServletResponse response) {
        HttpSession session = request.getSession(false);
        Object kept = session == null ? null : session.getAttribute(PASSWORD_CHECKED);
        if (session != null) {
            session.removeAttribute(PASSWORD_CHECKED);
        }
        AdminPasskeyLogin.PasswordChecked checked = kept instanceof AdminPasskeyLogin.PasswordChecked c ? c : null;
        AdminLogin.Result result = credential.length() > MAX_CREDENTIAL
                ? new AdminLogin.Refused(WebAuthnRefusal.MALFORMED.message(), null, null, true)
                : passkeyLogin.finish(checked, credential, request.getHeader(HttpHeaders.ORIGIN),
                        request.getRemoteAddr());
        if (result instanceof AdminLogin.Success success) {
            startSession(success.principal(), true, request, response);
            if (success.wrongCodes() > 0) {
                FlashMap flash = RequestContextUtils.getOutputFlashMap(request);
                flash.put("notice", wrongCodes(success.wrongCodes()));
                RequestContextUtils.saveOutputFlashMap(AdminPaths.ROOT, request, response);
            }
            return ResponseEntity.ok().cacheControl(CacheControl.noStore()).body(new Next(AdminPaths.ROOT));
        }
        return refusal((AdminLogin.Refused) result);
    }

    private static ResponseEntity<Refusal> refusal(AdminLogin.Refused refused) {
        Long seconds = refused.retryAfter() == null ? null : AdminModel.retrySeconds(refused.retryAfter());
        ResponseEntity.BodyBuilder answer = ResponseEntity.status(refused.checked() ? HttpStatus.UNAUTHORIZED
                : HttpStatus.TOO_MANY_REQUESTS).cacheControl(CacheControl.noStore());
        if (seconds != null) {
            answer.header(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        }
        return answer.body(new Refusal(refused.message(), refused.hint(), seconds));
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

    /**
     * A new session (a new id, so a planted one is worthless) holding both factors; a passkey adds
     * {@code FACTOR_WEBAUTHN} and {@code OTP_WEBAUTHN} ({@link OtpFactor#addPasskey}).
     */
    private void startSession(AdminPrincipal principal, boolean passkey, HttpServletRequest request,
            HttpServletResponse response) {
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
        Authentication authentication = UsernamePasswordAuthenticationToken.authenticated(principal, null,
                authorities);
        if (passkey) {
            authentication = OtpFactor.addPasskey(authentication, principal.loggedInAt());
        }
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(authentication);
        SecurityContextHolder.setContext(context);
        contexts.saveContext(context, request, response);
    }

    /** The line that tells a user someone else tried codes after their password. */
    static String wrongCodes(int count) {
        return (count == 1 ? "1 wrong code was" : count + " wrong codes were") + " tried on your account since your "
                + "last login, after your password. If that was not you, change your password now.";
    }
}
