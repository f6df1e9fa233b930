package io.otpgate.spring.web;

import java.net.URI;
import java.util.List;
import java.util.Optional;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;

import io.otpgate.spring.factor.StepUp;
import jakarta.servlet.http.HttpServletRequest;

/**
 * RFC 9470's answer of the JSON API when the session's second factor is not recent enough for a sensitive action (or
 * was a recovery code, and the action needs a device): 401, {@code WWW-Authenticate: Bearer
 * error="insufficient_user_authentication", error_description="...", max_age=N}, and a problem saying what to send.
 */
final class StepUpAnswer {

    private StepUpAnswer() {
    }

    /**
     * The refusal, or empty when the action may go ahead.
     *
     * @param prefix where the JSON API lives ({@code otpgate.api.prefix}), to name the endpoints that prove the factor
     */
    static Optional<ResponseEntity<?>> refusal(StepUp stepUp, Authentication current, StepUp.Action action,
            String prefix, HttpServletRequest request) {
        StepUp.Decision decision = stepUp.decide(current, action);
        if (decision.allowed()) {
            return Optional.empty();
        }
        String codeLogin = "POST " + prefix + "/totp/login";
        String passkeyLogin = "POST " + prefix + "/webauthn/login";
        String message = decision == StepUp.Decision.DEVICE_NEEDED
                ? "A recovery code is not enough for this action: verify a code from your authenticator with "
                        + codeLogin + " (or a passkey with " + passkeyLogin + "), then repeat this request"
                : "This action needs a second factor verified in the last " + stepUp.maxAgeSeconds()
                        + " seconds: verify a code again with " + codeLogin
                        + (action.recoveryCodeSuffices() ? " (or a recovery code with POST " + prefix
                                + "/totp/recovery_code/login)" : "")
                        + ", then repeat this request";
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNAUTHORIZED, message);
        problem.setInstance(URI.create(request.getRequestURI()));
        problem.setProperty("errors", List.of(message));
        problem.setProperty("error", StepUp.ERROR);
        problem.setProperty("max_age", stepUp.maxAgeSeconds());
        return Optional.of(ResponseEntity.status(HttpStatus.UNAUTHORIZED)
                .header("WWW-Authenticate", stepUp.challenge(message))
                .contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem));
    }
}
