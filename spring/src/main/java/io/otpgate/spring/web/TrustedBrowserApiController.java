package io.otpgate.spring.web;

import java.net.URI;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.otpgate.spring.device.AccountRef;
import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.factor.OtpSessions;
import io.otpgate.spring.factor.TrustedBrowserFactor;
import io.otpgate.spring.trust.TrustedBrowser;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The user's trusted browsers in the JSON API, under {@code otpgate.api.prefix}: {@code GET trusted_browsers} lists
 * them, {@code DELETE trusted_browsers/{id}} revokes one (404 if the user has none of that id), {@code DELETE
 * trusted_browsers} revokes all (and clears this browser's cookie). Needs the factor once the user has a device, as
 * the rest of the API does.
 */
@RestController
@RequestMapping("${otpgate.api.prefix:/otp/api}/trusted_browsers")
public class TrustedBrowserApiController {

    static final String NOT_FOUND = "No trusted browser of yours has this id.";

    private final Accounts accounts;
    private final OtpSessions sessions;
    private final TrustedBrowserFactor trustedBrowsers;

    public TrustedBrowserApiController(Accounts accounts, OtpSessions sessions,
            TrustedBrowserFactor trustedBrowsers) {
        this.accounts = accounts;
        this.sessions = sessions;
        this.trustedBrowsers = trustedBrowsers;
    }

    @GetMapping
    List<Map<String, Object>> list() {
        return accounts.find(sessions.userKey()).map(a -> trustedBrowsers.list(a.accountId())).orElse(List.of())
                .stream().map(TrustedBrowser::json).toList();
    }

    @DeleteMapping("/{id}")
    ResponseEntity<?> revoke(@PathVariable String id, HttpServletRequest request) {
        AccountRef account = accounts.find(sessions.userKey()).orElse(null);
        long browser = id.length() <= 18 && !id.isEmpty() && id.chars().allMatch(c -> c >= '0' && c <= '9')
                ? Long.parseLong(id) : -1;
        if (browser < 0) {
            return problem(HttpStatus.BAD_REQUEST, "`id` must be a trusted browser's id (digits)", request);
        }
        if (account == null || !trustedBrowsers.revoke(account.accountId(), browser, request)) {
            return problem(HttpStatus.NOT_FOUND, NOT_FOUND, request);
        }
        return ResponseEntity.noContent().build();
    }

    @DeleteMapping
    Map<String, Integer> revokeAll(HttpServletRequest request, HttpServletResponse response) {
        int revoked = accounts.find(sessions.userKey())
                .map(a -> trustedBrowsers.revokeAll(a.accountId(), request, response)).orElse(0);
        return Map.of("revoked", revoked);
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String message,
            HttpServletRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, message);
        problem.setInstance(URI.create(request.getRequestURI()));
        problem.setProperty("errors", List.of(message));
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }
}
