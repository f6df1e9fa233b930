package io.otpgate.spring.web;

import java.net.URI;
import java.time.Clock;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;

import io.otpgate.spring.device.AccountRef;
import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.PendingSetups;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.spring.enrolment.TotpSetup;
import io.otpgate.spring.factor.OtpFactor;
import io.otpgate.spring.factor.OtpSessions;
import io.otpgate.spring.factor.TrustedBrowserFactor;
import io.otpgate.spring.factor.StepUp;
import io.otpgate.spring.recovery.RecoveryCodeService;
import io.otpgate.spring.recovery.RecoveryProperties;
import io.otpgate.spring.system.OtpgateException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The two-factor endpoints of django-otp with Django REST framework, same names, fields, messages and statuses, for
 * single-page and mobile applications with a session, under {@code otpgate.api.prefix} (default {@code /otp/api}).
 * A code accepted by {@code totp/login} or {@code totp/recovery_code/login} adds the factor to the session. Refusals
 * are problem+json; a code is checked only when it has the shape of one.
 */
@RestController
@RequestMapping("${otpgate.api.prefix:/otp/api}/totp")
public class OtpApiController {

    static final String WRONG_CODE = "Invalid 2FA token, or invalid 2FA device.";
    static final String WRONG_RECOVERY_CODE = "Invalid 2FA recovery Token.";
    static final String NO_DEVICE = "This user has not setup two factor authentication";
    static final String NOTHING_PENDING = "This user has not pre-setup two factor authentication";
    static final String ALREADY_ENABLED = "2FA is already enabled, please disable it first.";

    /** The endpoints a user without the factor may call (the rest need it once the user has a device). */
    public static final List<String> OPEN = List.of("/totp/status", "/totp/create", "/totp/rollback", "/totp/login",
            "/totp/recovery_code/login");

    private final Accounts accounts;
    private final DeviceService devices;
    private final VerificationService verification;
    private final TotpSetup setup;
    private final RecoveryCodeService recoveryCodes;
    private final RecoveryProperties recovery;
    private final OtpSessions sessions;
    private final Clock clock;
    private final TrustedBrowserFactor trustedBrowsers;
    private final StepUp stepUp;
    private final String prefix;

    /**
     * @param stepUp whether the session's second factor is recent enough for a sensitive action
     * @param api where the endpoints live (named in the answer that asks for a fresh code)
     */
    public OtpApiController(Accounts accounts, DeviceService devices, VerificationService verification,
            TotpSetup setup, RecoveryCodeService recoveryCodes, RecoveryProperties recovery, OtpSessions sessions,
            Clock clock, TrustedBrowserFactor trustedBrowsers, StepUp stepUp, ApiProperties api) {
        this.trustedBrowsers = trustedBrowsers;
        this.accounts = accounts;
        this.devices = devices;
        this.verification = verification;
        this.setup = setup;
        this.recoveryCodes = recoveryCodes;
        this.recovery = recovery;
        this.sessions = sessions;
        this.clock = clock;
        this.stepUp = stepUp;
        this.prefix = api.prefix();
    }

    @GetMapping("/status")
    Map<String, Boolean> status() {
        return Map.of("isOtpEnabled", account().map(a -> setup.enabled(a.accountId())).orElse(false));
    }

    /**
     * Starts a setup: a new secret and new recovery codes, valid once the device is confirmed. A user who has a
     * confirmed device needs a fresh second factor ({@link StepUp}).
     */
    @RequestMapping(path = "/create", method = { RequestMethod.GET, RequestMethod.POST })
    ResponseEntity<?> create(HttpServletRequest request) {
        AccountRef account = accounts.forUserKey(sessions.userKey());
        // Without the factor at all, the setup's own refusal (already enabled) answers, as before.
        if (OtpFactor.proven(sessions.current()) && devices.hasConfirmedDevice(account.accountId())) {
            Optional<ResponseEntity<?>> refused = stepUpRefusal(StepUp.Action.ADD_DEVICE, request);
            if (refused.isPresent()) {
                return refused.get();
            }
        }
        try {
            TotpSetup.Setup started = setup.start(account.accountId(), OtpFactor.proven(sessions.current()),
                    request.getRemoteAddr());
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("message", "OTP device created successfully");
            answer.put("otpUrl", started.uri().toUriString());
            answer.put("recoveryCodes", started.recoveryCodes());
            return ResponseEntity.status(HttpStatus.CREATED).header("Cache-Control", "no-store").body(answer);
        } catch (OtpgateException e) {
            if (e.reason() != OtpgateException.Reason.CONFLICT) {
                throw e;
            }
            return problem(HttpStatus.CONFLICT, ALREADY_ENABLED, request);
        }
    }

    @DeleteMapping("/rollback")
    ResponseEntity<?> rollback(HttpServletRequest request) {
        AccountRef account = accounts.forUserKey(sessions.userKey());
        return switch (setup.rollback(account.accountId(), request.getRemoteAddr())) {
            case CANCELLED -> ResponseEntity.ok(Map.of("message", "Setup 2FA Cancelled."));
            case ALREADY_ENABLED -> problem(HttpStatus.BAD_REQUEST, ALREADY_ENABLED, request);
            case NOTHING_PENDING -> problem(HttpStatus.BAD_REQUEST, NOTHING_PENDING, request);
        };
    }

    /**
     * A TOTP (or HOTP) code: confirms a pending setup, or proves the factor for this session. With
     * {@code "remember": true} an accepted code also trusts this browser (the trusted-browser cookie).
     */
    @PostMapping("/login")
    ResponseEntity<?> login(@RequestBody(required = false) Map<String, Object> body, HttpServletRequest request,
            HttpServletResponse response) {
        Optional<String> code = token(body).flatMap(VerificationService::oneTimeCode);
        if (code.isEmpty()) {
            return problem(HttpStatus.BAD_REQUEST, "`token` must be 6 to 8 digits", request);
        }
        Object remember = body.getOrDefault("remember", Boolean.FALSE);
        if (!(remember instanceof Boolean)) {
            return problem(HttpStatus.BAD_REQUEST, "`remember` must be true or false", request);
        }
        PendingSetups pending = OtpFactor.proven(sessions.current()) ? PendingSetups.ANY
                : PendingSetups.WHILE_NO_CONFIRMED_DEVICE;
        ResponseEntity<?> answer = check(code.get(), EnumSet.of(DeviceKind.TOTP, DeviceKind.HOTP), pending,
                WRONG_CODE, NO_DEVICE, request, response);
        if (answer.getStatusCode().is2xxSuccessful() && (Boolean) remember) {
            accounts.find(sessions.userKey()).ifPresent(a -> trustedBrowsers.remember(a.accountId(), request,
                    response));
        }
        return answer;
    }

    @PostMapping("/recovery_code/login")
    ResponseEntity<?> recoveryLogin(@RequestBody(required = false) Map<String, Object> body,
            HttpServletRequest request, HttpServletResponse response) {
        Optional<String> code = token(body).map(String::strip).filter(c -> !c.isEmpty() && c.length() <= 64
                && c.chars().allMatch(ch -> ch < 128 && (Character.isLetterOrDigit(ch) || ch == '-' || ch == ' ')));
        if (code.isEmpty()) {
            return problem(HttpStatus.BAD_REQUEST, "`token` must be a recovery code: letters, digits and dashes",
                    request);
        }
        return check(code.get(), EnumSet.of(DeviceKind.STATIC), PendingSetups.NONE, WRONG_RECOVERY_CODE,
                WRONG_RECOVERY_CODE, request, response);
    }

    /**
     * New recovery codes; the old ones stop working (the factor filter has made sure the session proved it, and a
     * user with a confirmed device must have proved it recently: {@link StepUp}).
     */
    @RequestMapping(path = "/recovery_code/create", method = { RequestMethod.GET, RequestMethod.POST })
    ResponseEntity<?> createRecoveryCodes(HttpServletRequest request) {
        AccountRef account = accounts.forUserKey(sessions.userKey());
        if (devices.hasConfirmedDevice(account.accountId())) {
            Optional<ResponseEntity<?>> refused = stepUpRefusal(StepUp.Action.NEW_RECOVERY_CODES, request);
            if (refused.isPresent()) {
                return refused.get();
            }
        }
        List<String> codes = recoveryCodes.replace(account.accountId(), recovery.count(), request.getRemoteAddr())
                .codes();
        // The new codes end the user's other sessions' factor, not this one's: it has just proved it.
        sessions.keepFactor(request);
        return ResponseEntity.status(HttpStatus.CREATED).header("Cache-Control", "no-store").body(codes);
    }

    /**
     * Removes every device of the user: back to the password alone. Needs a second factor proven recently by a
     * device, not by a recovery code ({@link StepUp}).
     */
    @DeleteMapping("/delete")
    ResponseEntity<?> delete(HttpServletRequest request) {
        Optional<AccountRef> account = account();
        if (account.isPresent() && devices.hasConfirmedDevice(account.get().accountId())) {
            Optional<ResponseEntity<?>> refused = stepUpRefusal(StepUp.Action.TURN_OFF, request);
            if (refused.isPresent()) {
                return refused.get();
            }
        }
        account.ifPresent(a -> devices.removeAll(a.accountId(), request.getRemoteAddr()));
        return ResponseEntity.ok(Map.of("message", "2FA disabled."));
    }

    /** RFC 9470's answer when the session's factor is not recent enough for the action; empty if it is. */
    private Optional<ResponseEntity<?>> stepUpRefusal(StepUp.Action action, HttpServletRequest request) {
        return StepUpAnswer.refusal(stepUp, sessions.current(), action, prefix, request);
    }

    private ResponseEntity<?> check(String code, Set<DeviceKind> kinds, PendingSetups pending, String wrong,
            String noDevice, HttpServletRequest request, HttpServletResponse response) {
        AccountRef account = accounts.forUserKey(sessions.userKey());
        VerificationOutcome outcome = verification.verify(account.accountId(), code, kinds, pending,
                request.getRemoteAddr());
        if (outcome instanceof VerificationOutcome.Verified verified) {
            sessions.addFactor(verified.device().kind(), clock.instant(), request, response);
            return ResponseEntity.ok(Map.of("message", "2FA verified.", "device", verified.device().persistentId(),
                    "wrong_codes_since_last_login", verified.wrongCodes()));
        }
        if (outcome instanceof VerificationOutcome.Throttled throttled) {
            long seconds = Math.max(1, throttled.retryAfter().toSeconds());
            return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS).header("Retry-After", Long.toString(seconds))
                    .contentType(MediaType.APPLICATION_PROBLEM_JSON).body(body(HttpStatus.TOO_MANY_REQUESTS,
                            "Too many failed attempts: try again in " + seconds + " s", request));
        }
        if (outcome instanceof VerificationOutcome.Locked) {
            return problem(HttpStatus.TOO_MANY_REQUESTS,
                    "Two-factor authentication is locked after too many failed attempts", request);
        }
        return problem(HttpStatus.BAD_REQUEST, outcome instanceof VerificationOutcome.NoDevice ? noDevice : wrong,
                request);
    }

    private Optional<AccountRef> account() {
        return sessions.current() == null ? Optional.empty() : accounts.find(sessions.userKey());
    }

    private static Optional<String> token(Map<String, Object> body) {
        return body != null && body.get("token") instanceof String token ? Optional.of(token) : Optional.empty();
    }

    private static ResponseEntity<?> problem(HttpStatus status, String message, HttpServletRequest request) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(body(status, message, request));
    }

    /** The API's one error shape: problem+json, with the message also as {@code errors} as REST framework has it. */
    private static ProblemDetail body(HttpStatus status, String message, HttpServletRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, message);
        problem.setInstance(URI.create(request.getRequestURI()));
        problem.setProperty("errors", List.of(message));
        return problem;
    }
}
