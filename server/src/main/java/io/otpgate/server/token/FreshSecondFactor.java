package io.otpgate.server.token;

import org.springframework.security.core.context.SecurityContextHolder;

import io.otpgate.server.system.ApiRefusal;
import io.otpgate.spring.factor.StepUp;

/**
 * The API's step-up rule: a sensitive action (turning 2FA off, new recovery codes, adding a device while one exists)
 * needs a second factor proven within {@code otpgate.policy.step-up-within} (the token's {@code otp_time}), and for
 * turning it off a device rather than a recovery code ({@link StepUp}). Otherwise RFC 9470's 401.
 */
public class FreshSecondFactor {

    private static final String CODE_LOGIN = "POST /api/totp/login";
    private static final String RECOVERY_LOGIN = "POST /api/totp/recovery_code/login";
    private static final String PASSKEY_LOGIN = "POST /api/webauthn/login";

    private final StepUp stepUp;

    FreshSecondFactor(StepUp stepUp) {
        this.stepUp = stepUp;
    }

    /**
     * Lets the current request's token do the action, or refuses it.
     *
     * @throws ApiRefusal 401 with {@code WWW-Authenticate: Bearer error="insufficient_user_authentication",
     *     error_description="...", max_age=N} and a problem that says which endpoint to send a code to
     */
    public void require(StepUp.Action action) {
        StepUp.Decision decision = stepUp.decide(SecurityContextHolder.getContext().getAuthentication(), action);
        if (decision.allowed()) {
            return;
        }
        String message = decision == StepUp.Decision.DEVICE_NEEDED
                ? "A recovery code is not enough for this action: verify a code from your authenticator with "
                        + CODE_LOGIN + " (or a passkey with " + PASSKEY_LOGIN + "), then repeat this request with the new "
                        + "access token"
                : "This action needs a second factor verified in the last " + stepUp.maxAgeSeconds()
                        + " seconds: verify a code again with " + CODE_LOGIN
                        + (action.recoveryCodeSuffices() ? " (or a recovery code with " + RECOVERY_LOGIN + ")" : "")
                        + ", then repeat this request with the new access token";
        throw ApiRefusal.insufficientUserAuthentication(message, stepUp.challenge(message), stepUp.maxAgeSeconds());
    }
}
