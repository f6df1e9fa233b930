package io.otpgate.spring.web;

import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.otpgate.spring.device.AccountRef;
import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.factor.OtpFactor;
import io.otpgate.spring.factor.OtpSessions;
import io.otpgate.spring.factor.StepUp;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.spring.webauthn.AssertionOutcome;
import io.otpgate.spring.webauthn.PasskeyAuthentication;
import io.otpgate.spring.webauthn.PasskeyRegistration;
import io.otpgate.spring.webauthn.RegistrationOutcome;
import io.otpgate.spring.webauthn.WebAuthnRefusal;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The passkey ceremonies for a session (the pages' script, a single-page application), under
 * {@code otpgate.api.prefix} (default {@code /otp/api}): {@code webauthn/register/options} then
 * {@code webauthn/register} adds a passkey; {@code webauthn/login/options} then {@code webauthn/login} proves the
 * second factor with one, as {@code totp/login} does with a code. Options are WebAuthn Level 3's JSON form; the
 * answers take {@code {"credential": <PublicKeyCredential JSON>}}. The request's {@code Origin} header is checked
 * against {@code otpgate.webauthn.allowed-origins}. Refusals are problem+json with the refusal's message
 * ({@code detail}) and name ({@code reason}): 400, or 429 while the account's second factor is locked; 403 when the
 * session may not add a passkey. Bad input is never a 5xx and never changes anything.
 */
@RestController
@RequestMapping("${otpgate.api.prefix:/otp/api}/webauthn")
public class PasskeyApiController {

    static final String MALFORMED_BODY = "The body must be a JSON object with `credential` (a PublicKeyCredential "
            + "as JSON) and optionally `name` (a string)";
    static final String DEVICE_FIRST = "Prove your second factor first: a user who has a device adds a passkey "
            + "only from a session that used one.";
    static final String NO_PASSKEY = "This user has no passkey.";

    /**
     * The endpoints a session without the factor may call: logging in with a passkey, and registering one (which
     * checks itself that a user with a device has proved it, and so serves a user who must set up a first device).
     */
    public static final List<String> OPEN = List.of("/webauthn/register/options", "/webauthn/register",
            "/webauthn/login/options", "/webauthn/login");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Accounts accounts;
    private final DeviceService devices;
    private final PasskeyRegistration registration;
    private final PasskeyAuthentication authentication;
    private final OtpSessions sessions;
    private final Clock clock;
    private final StepUp stepUp;
    private final String prefix;

    /**
     * @param stepUp whether the session's second factor is recent enough to add a device ({@link StepUp})
     * @param api where the endpoints live (named in the answer that asks for a fresh code)
     */
    public PasskeyApiController(Accounts accounts, DeviceService devices, PasskeyRegistration registration,
            PasskeyAuthentication authentication, OtpSessions sessions, Clock clock, StepUp stepUp,
            ApiProperties api) {
        this.stepUp = stepUp;
        this.prefix = api.prefix();
        this.accounts = accounts;
        this.devices = devices;
        this.registration = registration;
        this.authentication = authentication;
        this.sessions = sessions;
        this.clock = clock;
    }

    /** The options of a new registration (to pass to {@code navigator.credentials.create}). */
    @PostMapping("/register/options")
    ResponseEntity<?> registrationOptions(HttpServletRequest request) {
        AccountRef account = accounts.forUserKey(sessions.userKey());
        Optional<ResponseEntity<?>> notNow = mayAddPasskey(account, request);
        if (notNow.isPresent()) {
            return notNow.get();
        }
        return ResponseEntity.ok().header("Cache-Control", "no-store")
                .body(registration.options(account, sessions.current().getName(), null));
    }

    /**
     * The browser's answer: {@code {"credential": {...}, "name": "My phone"}}. A user's first device proves the
     * second factor for this session, as a first code confirming a setup does.
     */
    @PostMapping("/register")
    ResponseEntity<?> register(@RequestBody(required = false) String body, HttpServletRequest request,
            HttpServletResponse response) {
        AccountRef account = accounts.forUserKey(sessions.userKey());
        Optional<ResponseEntity<?>> notNow = mayAddPasskey(account, request);
        if (notNow.isPresent()) {
            return notNow.get();
        }
        Optional<Answer> answer = Answer.parse(body);
        if (answer.isEmpty()) {
            return problem(HttpStatus.BAD_REQUEST, MALFORMED_BODY, null, request);
        }
        String name = answer.get().name();
        if (name != null && name.strip().length() > PasskeyRegistration.MAX_NAME) {
            return problem(HttpStatus.BAD_REQUEST, "`name` must be at most " + PasskeyRegistration.MAX_NAME
                    + " characters", null, request);
        }
        boolean firstDevice = !devices.hasConfirmedDevice(account.accountId());
        RegistrationOutcome outcome;
        try {
            outcome = registration.finish(account.accountId(), answer.get().credential(), origin(request), name,
                    request.getRemoteAddr());
        } catch (OtpgateException e) {
            return problem(HttpStatus.valueOf(e.reason().httpStatus()), e.getMessage(), null, request);
        }
        if (outcome instanceof RegistrationOutcome.Refused refused) {
            return refusal(refused.reason(), request);
        }
        RegistrationOutcome.Registered registered = (RegistrationOutcome.Registered) outcome;
        if (firstDevice && !OtpFactor.proven(sessions.current())) {
            sessions.addPasskeyFactor(clock.instant(), request, response);
        }
        Map<String, Object> answered = new LinkedHashMap<>();
        answered.put("message", "Passkey added.");
        answered.put("device", registered.device().persistentId());
        answered.put("name", registered.name());
        answered.put("userVerified", registered.userVerified());
        answered.put("backupEligible", registered.backupEligible());
        answered.put("synced", registered.backedUp());
        return ResponseEntity.status(HttpStatus.CREATED).body(answered);
    }

    /** The options of a login with one of the user's passkeys (for {@code navigator.credentials.get}). */
    @PostMapping("/login/options")
    ResponseEntity<?> loginOptions(HttpServletRequest request) {
        AccountRef account = accounts.forUserKey(sessions.userKey());
        return authentication.options(account.accountId())
                .<ResponseEntity<?>>map(options -> ResponseEntity.ok().header("Cache-Control", "no-store")
                        .body(options))
                .orElseGet(() -> problem(HttpStatus.BAD_REQUEST, NO_PASSKEY, null, request));
    }

    /**
     * The browser's assertion: {@code {"credential": {...}}}. On success the session gets the passkey factor
     * ({@code FACTOR_OTP} and {@code FACTOR_WEBAUTHN}) and a new id; {@code next} is the page first asked for.
     */
    @PostMapping("/login")
    ResponseEntity<?> login(@RequestBody(required = false) String body, HttpServletRequest request,
            HttpServletResponse response) {
        AccountRef account = accounts.forUserKey(sessions.userKey());
        Optional<Answer> answer = Answer.parse(body);
        if (answer.isEmpty()) {
            return problem(HttpStatus.BAD_REQUEST, MALFORMED_BODY, null, request);
        }
        AssertionOutcome outcome = authentication.verify(account.accountId(), answer.get().credential(),
                origin(request), request.getRemoteAddr());
        if (outcome instanceof AssertionOutcome.Refused refused) {
            return refusal(refused.reason(), request);
        }
        AssertionOutcome.Verified verified = (AssertionOutcome.Verified) outcome;
        sessions.addPasskeyFactor(clock.instant(), request, response);
        Map<String, Object> answered = new LinkedHashMap<>();
        answered.put("message", "2FA verified.");
        answered.put("device", verified.device().persistentId());
        answered.put("userVerified", verified.userVerified());
        answered.put("wrong_codes_since_last_login", verified.wrongCodes());
        answered.put("next", sessions.returnTo(request, response));
        return ResponseEntity.ok(answered);
    }

    /**
     * Whether this session may add a passkey to the account: always while the user has no confirmed device (a first
     * device), otherwise only once the session proved the second factor.
     */
    private Optional<ResponseEntity<?>> mayAddPasskey(AccountRef account, HttpServletRequest request) {
        if (!devices.hasConfirmedDevice(account.accountId())) {
            return Optional.empty();
        }
        if (!OtpFactor.proven(sessions.current())) {
            return Optional.of(problem(HttpStatus.FORBIDDEN, DEVICE_FIRST, null, request));
        }
        return StepUpAnswer.refusal(stepUp, sessions.current(), StepUp.Action.ADD_DEVICE, prefix, request);
    }

    private static String origin(HttpServletRequest request) {
        return request.getHeader("Origin");
    }

    private static ResponseEntity<?> refusal(WebAuthnRefusal reason, HttpServletRequest request) {
        HttpStatus status = reason == WebAuthnRefusal.LOCKED ? HttpStatus.TOO_MANY_REQUESTS : HttpStatus.BAD_REQUEST;
        return problem(status, reason.message(), reason.name().toLowerCase(Locale.ROOT), request);
    }

    private static ResponseEntity<?> problem(HttpStatus status, String message, String reason,
            HttpServletRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, message);
        problem.setInstance(URI.create(request.getRequestURI()));
        problem.setProperty("errors", List.of(message));
        if (reason != null) {
            problem.setProperty("reason", reason);
        }
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }

    /**
     * A ceremony's answer as posted: the credential (re-serialized for the library, which reads it again) and
     * the name.
     */
    record Answer(String credential, String name) {

        /** A real answer is a few kilobytes; the library reads no credential larger than 64 KiB either. */
        private static final int MAX_BODY = 128 * 1024;

        /** Empty unless the body is a JSON object whose {@code credential} is an object and {@code name} a string. */
        static Optional<Answer> parse(String body) {
            if (body == null || body.isBlank() || body.length() > MAX_BODY) {
                return Optional.empty();
            }
            JsonNode root;
            try {
                root = JSON.readTree(body);
            } catch (JacksonException e) {
                return Optional.empty();
            }
            if (root == null || !root.isObject() || !root.path("credential").isObject()) {
                return Optional.empty();
            }
            JsonNode name = root.path("name");
            if (!name.isMissingNode() && !name.isNull() && !name.isString()) {
                return Optional.empty();
            }
            return Optional.of(new Answer(root.get("credential").toString(),
                    name.isString() ? name.asString() : null));
        }
    }
}
