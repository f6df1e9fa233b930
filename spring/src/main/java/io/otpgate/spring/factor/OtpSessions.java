package io.otpgate.spring.factor;

import java.time.Instant;

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
import org.springframework.security.web.savedrequest.SavedRequest;
import org.springframework.web.server.ResponseStatusException;

import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.device.DeviceKind;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * Adds the factor to the session's {@code Authentication} once a code is verified, and finds the page to go back to.
 *
 * <p>With the factor it records in the HTTP session ({@value #SESSION_VERSION}) the account's session version
 * ({@code SessionVersions}); {@link OtpFactorFilter} takes the factor away again once the version moves on (a
 * second-factor reset, new recovery codes, the application's own {@code SessionVersions.endAll}).
 */
public class OtpSessions {

    /**
     * The HTTP session's attribute holding the account's session version (a {@code Long}) under which the session's
     * second factor was proven.
     */
    public static final String SESSION_VERSION = "io.otpgate.spring.factor.OtpSessions.SESSION_VERSION";

    private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();
    private final SecurityContextRepository repository = new HttpSessionSecurityContextRepository();
    private final RequestCache requestCache = new HttpSessionRequestCache();
    private final UserKeyResolver userKeys;
    private final Accounts accounts;

    public OtpSessions(UserKeyResolver userKeys, Accounts accounts) {
        this.userKeys = userKeys;
        this.accounts = accounts;
    }

    /**
     * The user key of the current {@code Authentication}.
     *
     * @throws ResponseStatusException 401 when no user is logged in (an application that lets anyone reach the
     *     pages must not get an account for its anonymous user)
     */
    public String userKey() {
        Authentication current = current();
        if (current == null || !current.isAuthenticated() || current instanceof AnonymousAuthenticationToken) {
            throw new ResponseStatusException(HttpStatus.UNAUTHORIZED, "log in first");
        }
        return userKeys.userKey(current);
    }

    /** The user's {@code Authentication}, or null. */
    public Authentication current() {
        return contexts.getContext().getAuthentication();
    }

    /**
     * Adds {@link OtpFactor#AUTHORITY} (proven by a device of the kind) and gives the session a new id, as after any
     * login, so a session id seen before the code is worth nothing after it.
     */
    public void addFactor(DeviceKind kind, Instant at, HttpServletRequest request, HttpServletResponse response) {
        replace(OtpFactor.add(current(), kind, at), request, response);
    }

    /**
     * Adds the factor proven by a passkey ({@link OtpFactor#addPasskey}: {@link OtpFactor#AUTHORITY} and
     * {@link OtpFactor#WEBAUTHN_AUTHORITY}) and gives the session a new id, as {@link #addFactor} does.
     */
    public void addPasskeyFactor(Instant at, HttpServletRequest request, HttpServletResponse response) {
        replace(OtpFactor.addPasskey(current(), at), request, response);
    }

    private void replace(Authentication upgraded, HttpServletRequest request, HttpServletResponse response) {
        SecurityContext context = contexts.createEmptyContext();
        context.setAuthentication(upgraded);
        contexts.setContext(context);
        request.getSession();
        request.changeSessionId();
        repository.saveContext(context, request, response);
        keepFactor(request);
    }

    /**
     * Records the account's current session version in the session, beside its second factor: the factor lasts until
     * the version moves on. Called when the factor is added, and after a change this session made itself that moves
     * the version but should not cost it its own factor (new recovery codes). Nothing without a session or a user.
     */
    public void keepFactor(HttpServletRequest request) {
        Authentication current = current();
        if (current == null || current instanceof AnonymousAuthenticationToken) {
            return;
        }
        accounts.sessionVersionOf(userKeys.userKey(current))
                .ifPresent(version -> recordSessionVersion(request, version));
    }

    /** Records the session version under which the session's factor was proven; nothing without a session. */
    static void recordSessionVersion(HttpServletRequest request, long version) {
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.setAttribute(SESSION_VERSION, version);
        }
    }

    /**
     * Remembers this request (a page, asked for with GET) as the one to go back to once a code is verified: a page
     * that needs a fresh factor ({@link StepUp}) sends the user to the code prompt and gets them back.
     */
    public void returnHereAfterCode(HttpServletRequest request, HttpServletResponse response) {
        requestCache.saveRequest(request, response);
    }

    /** Where to go once the factor is proven: the page first asked for, or the application's root. */
    public String returnTo(HttpServletRequest request, HttpServletResponse response) {
        SavedRequest saved = requestCache.getRequest(request, response);
        if (saved == null) {
            return request.getContextPath() + "/";
        }
        requestCache.removeRequest(request, response);
        return saved.getRedirectUrl();
    }
}
