package io.otpgate.server.token;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.server.system.ApiRefusal;

/** Maps the outcome of a code sent to the API to its answer: the tokens, or a refusal. */
public final class CodeLogins {

    private CodeLogins() {
    }

    /**
     * The tokens of an accepted code.
     *
     * @param wrongCode the message for a wrong or used code (seed 004's words for each endpoint)
     * @param noDevice the message when the user has no device to check the code against
     * @param clock to say how long an account lock lasts
     * @throws ApiRefusal 400 for a wrong code or no device, 429 (with {@code Retry-After}) when throttled or locked
     */
    public static Map<String, String> answer(SecondFactorSessions.CodeLogin login, String wrongCode, String noDevice,
            Clock clock) {
        VerificationOutcome outcome = login.outcome();
        if (outcome instanceof VerificationOutcome.Verified) {
            return answer(login.tokens());
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

    /** The JSON answer of a token pair. */
    public static Map<String, String> answer(TokenPair pair) {
        return Map.of("access", pair.access(), "refresh", pair.refresh());
    }
}
