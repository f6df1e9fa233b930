package io.otpgate.server.api;

import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import io.otpgate.spring.device.DeviceKind;
import io.otpgate.server.system.ApiRefusal;
import io.otpgate.server.system.JsonBodies;
import io.otpgate.server.token.ApiPrincipal;
import io.otpgate.server.token.CodeLogins;
import io.otpgate.server.token.FreshSecondFactor;
import io.otpgate.server.token.SecondFactorSessions;
import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.databind.JsonNode;
import io.otpgate.spring.recovery.RecoveryCodeService;
import io.otpgate.spring.recovery.RecoveryProperties;
import io.otpgate.spring.factor.StepUp;

/** Seed 004's recovery-code endpoints ({@code StaticOtpDeviceCreateView}, {@code StaticOtpDeviceVerifyView}). */
@RestController
@RequestMapping("/api/totp/recovery_code")
@ConditionalOnWebApplication
class RecoveryCodeController {

    static final String WRONG_CODE = "Invalid 2FA recovery Token.";

    private final RecoveryCodeService recoveryCodes;
    private final RecoveryProperties properties;
    private final SecondFactorSessions sessions;
    private final Clock clock;
    private final FreshSecondFactor fresh;

    RecoveryCodeController(RecoveryCodeService recoveryCodes, RecoveryProperties properties,
            SecondFactorSessions sessions, Clock clock, FreshSecondFactor fresh) {
        this.recoveryCodes = recoveryCodes;
        this.properties = properties;
        this.sessions = sessions;
        this.clock = clock;
        this.fresh = fresh;
    }

    /**
     * Replaces all of the user's recovery codes (OTP-verified sessions only). Without a confirmed TOTP device they
     * wait for one, as the codes of a setup do. A user with a confirmed device needs a token that proved the
     * second factor recently (step-up; a recovery code is enough).
     */
    @RequestMapping(path = "/create", method = { RequestMethod.GET, RequestMethod.POST })
    @ResponseStatus(HttpStatus.CREATED)
    List<String> create(@AuthenticationPrincipal ApiPrincipal me, HttpServletRequest request) {
        if (me.hasConfirmedDevice()) {
            fresh.require(StepUp.Action.NEW_RECOVERY_CODES);
        }
        return recoveryCodes.replace(me.userId(), properties.count(), request.getRemoteAddr()).codes();
    }

    @PostMapping("/login")
    Map<String, Object> login(@AuthenticationPrincipal ApiPrincipal me,
            @RequestBody(required = false) JsonNode body, HttpServletRequest request) {
        String code = recoveryCode(JsonBodies.requiredText(JsonBodies.object(body), "token", 100));
        SecondFactorSessions.CodeLogin login = sessions.verify(me, code, EnumSet.of(DeviceKind.STATIC),
                false, request.getRemoteAddr());
        return CodeLogins.answer(login, WRONG_CODE, WRONG_CODE, clock);
    }

    /** A recovery code as typed: ASCII letters and digits, with dashes or spaces between groups. */
    static String recoveryCode(String typed) {
        String code = typed.strip();
        if (code.isEmpty() || !code.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '-'
                || c == ' '))) {
            throw ApiRefusal.badRequest("`token` must be a recovery code: letters, digits and dashes");
        }
        return code;
    }
}
