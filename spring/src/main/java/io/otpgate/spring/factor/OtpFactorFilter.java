package io.otpgate.spring.factor;

import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.security.web.savedrequest.HttpSessionRequestCache;
import org.springframework.security.web.savedrequest.RequestCache;
import org.springframework.web.filter.OncePerRequestFilter;

import io.otpgate.spring.device.AccountRef;
import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.device.DeviceService;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * Optional two-factor authentication, as django-otp's {@code OTPMiddleware} with a REST framework
 * {@code IsOtpVerified} permission: placed before the application's authorization rules, it lets through every
 * request of a user who has no confirmed device (nothing changes for them), and sends a user who has one but whose
 * {@code Authentication} lacks {@link OtpFactor#AUTHORITY} to {@code /otp/verify} first, keeping the page asked for
 * (unless this browser is one the user trusted: then {@link OtpFactor#REMEMBERED_AUTHORITY} is added, and it passes).
 * A user holding one of {@code otpgate.policy.required-authorities} without a device is sent to {@code /otp/setup}.
 *
 * <p>A request that is not for a page (not a GET, or not asking for HTML: an image, a script, an API call) gets a 403
 * with a JSON body instead of a redirect, and is not remembered as the page to return to: a browser's request for
 * its favicon must neither start a setup nor be where the user lands after the code.
 *
 * <p>A second factor held by the HTTP session lasts while the account's session version ({@code SessionVersions})
 * is the one {@link OtpSessions} recorded beside it ({@link OtpSessions#SESSION_VERSION}): a second-factor reset,
 * new recovery codes or deleted recovery codes made elsewhere, and the application's own
 * {@code SessionVersions.endAll} (a password change) move it on. Then the factor's authorities
 * ({@link OtpFactor#withoutFactor}) leave the session's {@code Authentication} (the password login stays) and the
 * request goes on as one without the factor: a user with a device is asked for a code again. A session holding the
 * factor with no version recorded (one that began before this rule) loses it too. This costs one indexed query per
 * request of a session holding the factor ({@link Accounts#sessionVersionOf}); an {@code Authentication} that is
 * not the session's (a JWT's, whose factor {@link OtpJwtAuthorities} checks on every request) is not looked at.
 */
public class OtpFactorFilter extends OncePerRequestFilter {

    /**
     * The pages a user without the factor may reach: the code prompt, enrolment, logging out, errors, and the
     * passkey script the first two load.
     */
    private static final Set<String> OPEN = Set.of(OtpPaths.VERIFY, OtpPaths.SETUP, "/logout", "/error",
            OtpPaths.PASSKEYS_SCRIPT);

    private final Accounts accounts;
    private final DeviceService devices;
    private final PolicyProperties policy;
    private final Set<String> open;
    private final UserKeyResolver userKeys;
    private final TrustedBrowserFactor trustedBrowsers;
    private final RequestCache requestCache = new HttpSessionRequestCache();
    private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();
    private final SecurityContextRepository sessionContexts = new HttpSessionSecurityContextRepository();

    /**
     * @param openPaths further paths that a user without the factor may reach (the JSON API's code endpoints)
     * @param trustedBrowsers grants {@link OtpFactor#REMEMBERED_AUTHORITY} from a trusted-browser cookie
     */
    public OtpFactorFilter(Accounts accounts, DeviceService devices, PolicyProperties policy, Set<String> openPaths,
            UserKeyResolver userKeys, TrustedBrowserFactor trustedBrowsers) {
        this.trustedBrowsers = trustedBrowsers;
        this.accounts = accounts;
        this.devices = devices;
        this.policy = policy;
        this.userKeys = userKeys;
        Set<String> all = new HashSet<>(OPEN);
        all.addAll(openPaths);
        all.addAll(policy.openPaths());
        this.open = Set.copyOf(all);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Authentication authentication = contexts.getContext().getAuthentication();
        if (authentication != null && authentication.isAuthenticated()
                && !(authentication instanceof AnonymousAuthenticationToken) && OtpFactor.satisfied(authentication)
                && sessionFactorOutlived(authentication, request)) {
            authentication = endSessionFactor(authentication, request, response);
        }
        if (authentication == null || !authentication.isAuthenticated()
                || authentication instanceof AnonymousAuthenticationToken || OtpFactor.satisfied(authentication)
                || open.contains(path(request))) {
            chain.doFilter(request, response);
            return;
        }
        Optional<AccountRef> account = accounts.find(userKeys.userKey(authentication));
        if (account.isPresent() && devices.hasConfirmedDevice(account.get().accountId())) {
            if (trustedBrowsers.signIn(account.get().accountId(), request, response)) {
                chain.doFilter(request, response);
                return;
            }
            sendTo(OtpPaths.VERIFY, "a one-time code is required", request, response);
        } else if (authentication.getAuthorities().stream()
                .anyMatch(a -> policy.requiredAuthorities().contains(a.getAuthority()))) {
            sendTo(OtpPaths.SETUP, "a second factor must be set up first", request, response);
        } else {
            chain.doFilter(request, response);
        }
    }

    /**
     * Whether the factor is the HTTP session's and the account's session version moved on since it was recorded (or
     * none was). An {@code Authentication} that is not the session's one is not checked.
     */
    private boolean sessionFactorOutlived(Authentication authentication, HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        Object stored = session == null ? null
                : session.getAttribute(HttpSessionSecurityContextRepository.SPRING_SECURITY_CONTEXT_KEY);
        if (!(stored instanceof SecurityContext context) || (context.getAuthentication() != authentication
                && !authentication.equals(context.getAuthentication()))) {
            return false;
        }
        if (!(session.getAttribute(OtpSessions.SESSION_VERSION) instanceof Long recorded)) {
            return true;
        }
        OptionalLong current = accounts.sessionVersionOf(userKeys.userKey(authentication));
        return current.isEmpty() || current.getAsLong() != recorded;
    }

    /** Takes the factor out of the session's {@code Authentication}, keeping the rest; returns what is left. */
    private Authentication endSessionFactor(Authentication authentication, HttpServletRequest request,
            HttpServletResponse response) {
        Authentication left = OtpFactor.withoutFactor(authentication);
        SecurityContext context = contexts.createEmptyContext();
        context.setAuthentication(left);
        contexts.setContext(context);
        sessionContexts.saveContext(context, request, response);
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.removeAttribute(OtpSessions.SESSION_VERSION);
        }
        return left;
    }

    private void sendTo(String page, String reason, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        boolean pageRequest = "GET".equals(request.getMethod()) && acceptsHtml(request);
        if (pageRequest) {
            requestCache.saveRequest(request, response);
            response.sendRedirect(request.getContextPath() + page);
            return;
        }
        response.setStatus(HttpStatus.FORBIDDEN.value());
        response.setContentType("application/problem+json");
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write("{\"status\":403,\"title\":\"Forbidden\",\"detail\":\"" + reason
                + "\",\"location\":\"" + page + "\"}");
    }

    private static boolean acceptsHtml(HttpServletRequest request) {
        String accept = request.getHeader("Accept");
        return accept != null && accept.contains("text/html");
    }

    private static String path(HttpServletRequest request) {
        return request.getRequestURI().substring(request.getContextPath().length());
    }
}
