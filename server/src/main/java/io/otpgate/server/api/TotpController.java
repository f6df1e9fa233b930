package io.otpgate.server.api;

import java.time.Clock;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.server.system.ApiRefusal;
import io.otpgate.server.system.JsonBodies;
import io.otpgate.server.token.ApiPrincipal;
import io.otpgate.server.token.CodeLogins;
import io.otpgate.server.token.FreshSecondFactor;
import io.otpgate.server.token.SecondFactorSessions;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.JsonNode;
import io.otpgate.spring.enrolment.TotpSetup;
import io.otpgate.spring.trust.TrustedBrowserCookies;
import io.otpgate.spring.trust.TrustedBrowsers;
import io.otpgate.spring.factor.StepUp;

/** Seed 004's TOTP endpoints ({@code otp_views.py}), same paths, fields and statuses. */
@RestController
@RequestMapping("/api/totp")
@ConditionalOnWebApplication
class TotpController {

    static final String WRONG_CODE = "Invalid 2FA token, or invalid 2FA device.";
    static final String NO_DEVICE = "This user has not setup two factor authentication";
    static final String NOTHING_PENDING = "This user has not pre-setup two factor authentication";
    static final String ALREADY_ENABLED = "2FA is already enabled, please disable it first.";

    private final TotpSetup setup;
    private final SecondFactorSessions sessions;
    private final Clock clock;
    private final TrustedBrowsers trustedBrowsers;
    private final TrustedBrowserCookies trustedBrowserCookies;
    private final FreshSecondFactor fresh;

    TotpController(TotpSetup setup, SecondFactorSessions sessions, Clock clock, TrustedBrowsers trustedBrowsers,
            TrustedBrowserCookies trustedBrowserCookies, FreshSecondFactor fresh) {
        this.trustedBrowsers = trustedBrowsers;
        this.trustedBrowserCookies = trustedBrowserCookies;
        this.setup = setup;
        this.sessions = sessions;
        this.clock = clock;
        this.fresh = fresh;
    }

    /**
     * Starts a setup (or shows the pending one) with fresh recovery codes. GET as in the seed; POST too. A user who
     * has a confirmed device needs a token that proved it recently (step-up).
     */
    @RequestMapping(path = "/create", method = { RequestMethod.GET, RequestMethod.POST })
    @ResponseStatus(HttpStatus.CREATED)
    Map<String, Object> create(@AuthenticationPrincipal ApiPrincipal me, HttpServletRequest request) {
        if (me.hasConfirmedDevice() && me.otpVerified()) {
            // Without the factor at all the setup's own refusal (2FA already enabled) answers, as before.
            fresh.require(StepUp.Action.ADD_DEVICE);
        }
        TotpSetup.Setup started = setup.start(me.userId(), me.otpVerified(), request.getRemoteAddr());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("message", "OTP device created successfully");
        answer.put("otpUrl", started.uri().toUriString());
        answer.put("recoveryCodes", started.recoveryCodes());
        return answer;
    }

    @DeleteMapping("/rollback")
    Map<String, String> rollback(@AuthenticationPrincipal ApiPrincipal me, HttpServletRequest request) {
        return switch (setup.rollback(me.userId(), request.getRemoteAddr())) {
            case CANCELLED -> Map.of("message", "Setup 2FA Cancelled.");
            case ALREADY_ENABLED -> throw ApiRefusal.badRequest(ALREADY_ENABLED);
            case NOTHING_PENDING -> throw ApiRefusal.badRequest(NOTHING_PENDING);
        };
    }

    /**
     * Verifies a TOTP (or HOTP) code: confirms a pending setup, or proves the second factor of a session. With
     * {@code "remember": true} an accepted code also trusts the browser: the answer sets the trusted-browser cookie
     * (while {@code otpgate.trusted-browser.enabled}), and a password login with it skips the code.
     */
    @PostMapping("/login")
    Map<String, Object> login(@AuthenticationPrincipal ApiPrincipal me,
            @RequestBody(required = false) JsonNode body, HttpServletRequest request, HttpServletResponse response) {
        JsonNode fields = JsonBodies.object(body);
        String code = oneTimeCode(JsonBodies.requiredText(fields, "token", 64));
        boolean remember = JsonBodies.bool(fields, "remember", false);
        SecondFactorSessions.CodeLogin login = sessions.verify(me, code, EnumSet.of(DeviceKind.TOTP, DeviceKind.HOTP),
                true, request.getRemoteAddr());
        Map<String, Object> answer = CodeLogins.answer(login, WRONG_CODE, NO_DEVICE, clock);
        if (remember && trustedBrowsers.enabled()) {
            trustedBrowserCookies.set(request, response, trustedBrowsers.remember(me.userId(),
                    request.getHeader("User-Agent"), request.getRemoteAddr(), clock.instant()));
        }
        return answer;
    }

    /** Removes every device: needs a second factor proven recently by a device, not a recovery code (step-up). */
    @DeleteMapping("/delete")
    Map<String, String> delete(@AuthenticationPrincipal ApiPrincipal me, HttpServletRequest request) {
        if (me.hasConfirmedDevice()) {
            fresh.require(StepUp.Action.TURN_OFF);
        }
        return CodeLogins.answer(sessions.disable(me, request.getRemoteAddr()));
    }

    @GetMapping("/status")
    Map<String, Boolean> status(@AuthenticationPrincipal ApiPrincipal me) {
        return Map.of("isOtpEnabled", setup.enabled(me.userId()));
    }

    /** A code as typed ({@link VerificationService#oneTimeCode}); anything else is a 400, and no attempt. */
    static String oneTimeCode(String typed) {
        return VerificationService.oneTimeCode(typed)
                .orElseThrow(() -> ApiRefusal.badRequest("`token` must be 6 to 8 digits"));
    }

}
