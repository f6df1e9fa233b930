package io.otpgate.server.api;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import io.otpgate.server.token.ApiPrincipal;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.spring.trust.TrustedBrowser;
import io.otpgate.spring.trust.TrustedBrowserCookies;
import io.otpgate.spring.trust.TrustedBrowsers;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The user's trusted browsers ("don't ask again on this browser", set by {@code totp/login} with
 * {@code "remember": true}): list them, revoke one, revoke all. Needs the second factor once the user has a device
 * ({@code IsOtpVerified}; a trusted browser satisfies it).
 */
@RestController
@RequestMapping("/api/trusted_browsers")
@ConditionalOnWebApplication
class TrustedBrowserController {

    private final TrustedBrowsers browsers;
    private final TrustedBrowserCookies cookies;
    private final Clock clock;

    TrustedBrowserController(TrustedBrowsers browsers, TrustedBrowserCookies cookies, Clock clock) {
        this.browsers = browsers;
        this.cookies = cookies;
        this.clock = clock;
    }

    /** The browsers still trusted, the most recently used first. */
    @GetMapping
    List<Map<String, Object>> list(@AuthenticationPrincipal ApiPrincipal me) {
        return browsers.list(me.userId(), clock.instant()).stream().map(TrustedBrowser::json).toList();
    }

    /** 404 if the user has no trusted browser of that id (another user's included). */
    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revoke(@AuthenticationPrincipal ApiPrincipal me, @PathVariable long id, HttpServletRequest request) {
        if (!browsers.revoke(me.userId(), id, request.getRemoteAddr())) {
            throw OtpgateException.notFound("no trusted browser of yours has id " + id);
        }
    }

    /** Revokes them all, and tells this browser to forget its cookie. */
    @DeleteMapping
    Map<String, Integer> revokeAll(@AuthenticationPrincipal ApiPrincipal me, HttpServletRequest request,
            HttpServletResponse response) {
        cookies.clear(request, response);
        return Map.of("revoked", browsers.revokeAll(me.userId(), request.getRemoteAddr()));
    }
}
