package io.otpgate.server.api;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import io.otpgate.server.system.ApiRefusal;
import io.otpgate.server.system.JsonBodies;
import io.otpgate.server.token.ApiPrincipal;
import io.otpgate.server.token.CodeLogins;
import io.otpgate.server.token.FreshSecondFactor;
import io.otpgate.server.token.SecondFactorSessions;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserRepository;
import io.otpgate.spring.factor.StepUp;
import io.otpgate.spring.webauthn.PasskeyAuthentication;
import io.otpgate.spring.webauthn.PasskeyOptions;
import io.otpgate.spring.webauthn.PasskeyRegistration;
import io.otpgate.spring.webauthn.RegistrationOutcome;
import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Passkeys (WebAuthn) in the API: each ceremony is its options, then the browser's answer. Registration needs a token
 * whose user may add a device; the second factor by passkey answers the same token pair as {@code totp/login}.
 * Options are WebAuthn Level 3's JSON ({@link PasskeyOptions}: binary values base64url); answers are the
 * {@code PublicKeyCredential} as its {@code toJSON()} gives it. The request's {@code Origin} header (browsers always
 * send one) must be an allowed origin and equal to the one the browser signed.
 */
@RestController
@RequestMapping("/api/webauthn")
@ConditionalOnWebApplication
class PasskeyController {

    static final String NO_PASSKEY = "This user has not registered a passkey";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final PasskeyRegistration registration;
    private final PasskeyAuthentication authentication;
    private final SecondFactorSessions sessions;
    private final UserRepository users;
    private final Clock clock;
    private final FreshSecondFactor fresh;

    PasskeyController(PasskeyRegistration registration, PasskeyAuthentication authentication,
            SecondFactorSessions sessions, UserRepository users, Clock clock, FreshSecondFactor fresh) {
        this.fresh = fresh;
        this.registration = registration;
        this.authentication = authentication;
        this.sessions = sessions;
        this.users = users;
        this.clock = clock;
    }

    /** The options of a new passkey's registration ({@code navigator.credentials.create}). No body, or {@code {}}. */
    @PostMapping("/register/options")
    PasskeyOptions.Creation registerOptions(@AuthenticationPrincipal ApiPrincipal me,
            @RequestBody(required = false) JsonNode body) {
        requireMayAddPasskey(me);
        JsonBodies.object(body);
        User user = users.findById(me.userId())
                .orElseThrow(() -> ApiRefusal.unauthorized("User not found", "user_not_found"));
        String displayName = (user.firstName() + " " + user.lastName()).strip();
        return registration.options(user, user.username(), displayName);
    }

    /**
     * Registers the passkey of the browser's answer: {@code {"credential": {...}, "name": "..."}} (name optional).
     * 201 with its persistent id, name, and what its authenticator reported.
     */
    @PostMapping("/register")
    @ResponseStatus(HttpStatus.CREATED)
    Map<String, Object> register(@AuthenticationPrincipal ApiPrincipal me,
            @RequestBody(required = false) JsonNode body, HttpServletRequest request) {
        requireMayAddPasskey(me);
        JsonNode object = JsonBodies.object(body);
        String credential = credential(object);
        String name = JsonBodies.text(object, "name", PasskeyRegistration.MAX_NAME).orElse(null);
        RegistrationOutcome outcome = registration.finish(me.userId(), credential,
                request.getHeader(HttpHeaders.ORIGIN), name, request.getRemoteAddr());
        if (outcome instanceof RegistrationOutcome.Refused refused) {
            throw ApiRefusal.passkeyRefused(refused.reason(), null);
        }
        RegistrationOutcome.Registered registered = (RegistrationOutcome.Registered) outcome;
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", registered.device().persistentId());
        answer.put("name", registered.name());
        answer.put("user_verified", registered.userVerified());
        answer.put("synced", registered.backedUp());
        return answer;
    }

    /** The options of the second factor by passkey ({@code navigator.credentials.get}). No body, or {@code {}}. */
    @PostMapping("/login/options")
    PasskeyOptions.Request loginOptions(@AuthenticationPrincipal ApiPrincipal me,
            @RequestBody(required = false) JsonNode body) {
        JsonBodies.object(body);
        return authentication.options(me.userId()).orElseThrow(() -> ApiRefusal.badRequest(NO_PASSKEY));
    }

    /**
     * Proves the second factor with the browser's answer, {@code {"credential": {...}}}: the token pair of
     * {@code totp/login}, naming the passkey ({@code otp_device_id}) with the {@code amr} of a passkey.
     */
    @PostMapping("/login")
    Map<String, Object> login(@AuthenticationPrincipal ApiPrincipal me, @RequestBody(required = false) JsonNode body,
            HttpServletRequest request) {
        String credential = credential(JsonBodies.object(body));
        return CodeLogins.answer(sessions.verifyPasskey(me, credential, request.getHeader(HttpHeaders.ORIGIN),
                request.getRemoteAddr()), clock);
    }

    /**
     * Whether this session may add a passkey: while the user has no confirmed device, any session of theirs; once
     * they have one, only a session that proved the second factor (the REST framework's {@code IsOtpVerified}, as for a TOTP
     * setup). The one place for this rule.
     *
     * @throws ApiRefusal 403 otherwise
     */
    private void requireMayAddPasskey(ApiPrincipal me) {
        if (!me.secondFactorSatisfied()) {
            throw ApiRefusal.forbidden(ApiPrincipal.SECOND_FACTOR_MISSING);
        }
        if (me.hasConfirmedDevice()) {
            // Adding a device beside one is a sensitive action: a second factor proven lately (step-up).
            fresh.require(StepUp.Action.ADD_DEVICE);
        }
    }

    /** The browser's answer, {@code credential}, as JSON text for the library (which reads and checks it). */
    private static String credential(JsonNode body) {
        return JSON.writeValueAsString(JsonBodies.requiredObject(body, "credential"));
    }
}
