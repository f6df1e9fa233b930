package io.otpgate.server.token;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.webauthn.AssertionOutcome;
import io.otpgate.server.system.ApiRefusal;

/** Maps the outcome of a code sent to the API to its answer: the tokens, or a refusal. */
public final class CodeLogins {

    private CodeLogins() {
    }

    /** The field of a second-factor login's answer that counts the wrong codes since the previous success. */
    public static final String WRONG_CODES = "wrong_codes_since_last_login";

    /**
     * The tokens of an accepted code, and {@value #WRONG_CODES}: how many wrong codes were tried since the user's
     * previous success (not the user's own mistypes just before this one), for the client to tell the user that
     * someone else knows their password.
     *
     * @param wrongCode the message for a wrong or used code (the Django REST project's words for each endpoint)
     * @param noDevice the message when the user has no device to check the code against
     * @param clock to say how long an account lock lasts
     * @throws ApiRefusal 400 for a wrong code or no device, 429 (with {@code Retry-After}) when throttled or locked
     */
    public static Map<String, Object> answer(SecondFactorSessions.CodeLogin login, String wrongCode, String noDevice,
            Clock clock) {
        VerificationOutcome outcome = login.outcome();
        if (outcome instanceof VerificationOutcome.Verified verified) {
            return Map.of("access", login.tokens().access(), "refresh", login.tokens().refresh(), WRONG_CODES,
                    verified.wrongCodes());
        }
        if (outcome instanceof VerificationOutcome.Throttled throttled) {
            throw ApiRefusal.tooManyAttempts("Too many failed attempts: try again in "
                    + Math.max(1, throttled.retryAfter().toSeconds()) + " s", throttled.retryAfter());
        }
        if (outcome instanceof VerificationOutcome.Locked locked) {
            if (locked.until() == null) {
                throw ApiRefusal.tooManyAttempts("Two-factor authentication is locked after too many failed "
                        + "attempts: ask an administrator to unlock it", null);
            }
            throw ApiRefusal.tooManyAttempts("Two-factor authentication is locked after too many failed attempts "
                    + "until " + locked.until(), Duration.between(clock.instant(), locked.until()));
        }
        if (outcome instanceof VerificationOutcome.NoDevice) {
            throw ApiRefusal.badRequest(noDevice);
        }
        throw ApiRefusal.badRequest(wrongCode);
    }

    /**
     * The tokens of an accepted passkey, as an accepted code's ({@value #WRONG_CODES} included).
     *
     * @throws ApiRefusal 400 with the refusal's message, or 429 when the second factor is locked
     */
    public static Map<String, Object> answer(SecondFactorSessions.PasskeyLogin login, Clock clock) {
        if (login.outcome() instanceof AssertionOutcome.Verified verified) {
            return Map.of("access", login.tokens().access(), "refresh", login.tokens().refresh(), WRONG_CODES,
                    verified.wrongCodes());
        }
        AssertionOutcome.Refused refused = (AssertionOutcome.Refused) login.outcome();
        throw ApiRefusal.passkeyRefused(refused.reason(), login.lockedUntil() == null ? null
                : Duration.between(clock.instant(), login.lockedUntil()));
    }

    /** The JSON answer of a token pair. */
    public static Map<String, String> answer(TokenPair pair) {
        return Map.of("access", pair.access(), "refresh", pair.refresh());
    }
}
