package io.otpgate.spring.factor;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;

import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.trust.TrustedBrowser;
import io.otpgate.spring.trust.TrustedBrowserCookies;
import io.otpgate.spring.trust.TrustedBrowsers;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * "Don't ask again on this browser" on the web side: gives a browser the trusted-browser cookie after a code, and
 * turns that cookie, presented by the same user after the password, into {@link OtpFactor#REMEMBERED_AUTHORITY}
 * (never {@link OtpFactor#AUTHORITY}). Does nothing while {@code otpgate.trusted-browser.enabled} is false.
 */
public class TrustedBrowserFactor {

    private final TrustedBrowsers browsers;
    private final TrustedBrowserCookies cookies;
    private final Accounts accounts;
    private final Clock clock;
    private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();
    private final SecurityContextRepository repository = new HttpSessionSecurityContextRepository();

    public TrustedBrowserFactor(TrustedBrowsers browsers, TrustedBrowserCookies cookies, Accounts accounts,
            Clock clock) {
        this.browsers = browsers;
        this.cookies = cookies;
        this.accounts = accounts;
        this.clock = clock;
    }

    /** Whether the pages and the API offer it. */
    public boolean enabled() {
        return browsers.enabled();
    }

    /** How long a browser stays trusted, as the pages say it ("30 days"). */
    public String durationText() {
        return browsers.properties().durationText();
    }

    /** The account's trusted browsers now, the most recently used first. */
    public List<TrustedBrowser> list(long accountId) {
        return browsers.list(accountId, clock.instant());
    }

    /** Stops trusting one of the account's browsers; false if it has none of that id. */
    public boolean revoke(long accountId, long id, HttpServletRequest request) {
        return browsers.revoke(accountId, id, request.getRemoteAddr());
    }

    /** Stops trusting all of the account's browsers, and tells this one to forget its cookie. */
    public int revokeAll(long accountId, HttpServletRequest request, HttpServletResponse response) {
        cookies.clear(request, response);
        return browsers.revokeAll(accountId, request.getRemoteAddr());
    }

    /**
     * Trusts the request's browser for the account, which has just passed the second factor with a code: sets the
     * cookie on the response. Nothing when disabled.
     */
    public void remember(long accountId, HttpServletRequest request, HttpServletResponse response) {
        if (!enabled()) {
            return;
        }
        String value = browsers.remember(accountId, request.getHeader("User-Agent"), request.getRemoteAddr(),
                clock.instant());
        cookies.set(request, response, value);
    }

    /**
     * If the request carries a cookie that trusts this browser for the account now, adds
     * {@link OtpFactor#REMEMBERED_AUTHORITY} to the current {@code Authentication} (and to its session, under a new
     * session id, as after any login, with the session version read before the cookie was checked:
     * {@link OtpSessions#SESSION_VERSION}).
     *
     * @return whether it did
     */
    public boolean signIn(long accountId, HttpServletRequest request, HttpServletResponse response) {
        if (!enabled()) {
            return false;
        }
        Instant now = clock.instant();
        // Read first: a version that moves on while the cookie is checked ends the factor on the next request.
        long version = accounts.sessionVersion(accountId);
        boolean trusted = false;
        for (String value : cookies.values(request)) {
            if (browsers.check(accountId, value, now)) {
                trusted = true;
                break;
            }
        }
        if (!trusted) {
            return false;
        }
        Authentication upgraded = OtpFactor.addRemembered(contexts.getContext().getAuthentication(), now);
        SecurityContext context = contexts.createEmptyContext();
        context.setAuthentication(upgraded);
        contexts.setContext(context);
        if (request.getSession(false) != null) {
            request.changeSessionId();
            repository.saveContext(context, request, response);
            OtpSessions.recordSessionVersion(request, version);
        }
        return true;
    }
}
