package io.otpgate.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;

import io.otpgate.server.fuzz.FuzzServer.Answer;
import tools.jackson.databind.JsonNode;

/**
 * What every answer of the API must satisfy, whatever was sent: no 5xx; a JSON object as the body of every 4xx (and
 * JSON or nothing for a 2xx); and a refused request changes nothing, except that a well-formed but wrong credential
 * (a wrong password, code or recovery code) or a throttled attempt may count a failure and write a security event,
 * and a refused passkey answer uses up the challenge it named and writes a security event.
 * Messages name the request and the parts of the database that changed, never a value.
 */
final class ApiChecks {

    // A refused attempt is counted: failure counts, the second factor's failure rows (otpgate_failure), the password
    // throttle's rows (login_throttle, and login_familiar when the password was right), the security log.
    private static final Set<String> ATTEMPT_PARTS = Set.of(FuzzServer.THROTTLE, "otpgate_failure", "login_throttle",
            "login_familiar", "otpgate_security_event");
    private static final Set<String> WRONG_CODE = Set.of("Invalid 2FA token, or invalid 2FA device.",
            "This user has not setup two factor authentication", "Invalid 2FA recovery Token.");

    // A refused passkey answer uses up the challenge it named and is written to the security log; nothing else.
    private static final Set<String> PASSKEY_REFUSAL_PARTS = Set.of("otpgate_webauthn_challenge",
            "otpgate_security_event");
    private static final Set<String> PASSKEY_REFUSALS = java.util.Arrays
            .stream(io.otpgate.spring.webauthn.WebAuthnRefusal.values())
            .map(io.otpgate.spring.webauthn.WebAuthnRefusal::message).collect(java.util.stream.Collectors.toSet());

    private ApiChecks() {
    }

    /**
     * Checks the answer and the change of state, then puts the database back to the baseline.
     *
     * @param request a description of the request for messages (method, path, content type selector)
     */
    static void check(FuzzServer server, String request, String path, Answer answer, Map<String, String> before) {
        Map<String, String> after = server.snapshot();
        try {
            int status = answer.status();
            assertThat(status).as("%s: status (detail %s)", request, answer.detail()).isLessThan(500);
            if (status >= 400) {
                JsonNode json = answer.json();
                assertThat(json != null && json.isObject())
                        .as("%s: %d answer with a JSON object body (content type %s, %d bytes)", request, status,
                                answer.contentType(), answer.body().length)
                        .isTrue();
                assertThat(answer.contentType()).as("%s: %d answer's content type", request, status)
                        .contains("json");
                Set<String> changed = FuzzServer.changed(before, after);
                if (isRefusedPasskeyAnswer(path, answer)) {
                    assertThat(PASSKEY_REFUSAL_PARTS).as("%s: %d (%s) changed only challenges and events", request,
                            status, answer.detail()).containsAll(changed);
                } else if (isCountedAttempt(path, answer)) {
                    assertThat(ATTEMPT_PARTS).as("%s: %d (%s) changed only failure counts and events", request,
                            status, answer.detail()).containsAll(changed);
                } else {
                    assertThat(changed).as("%s: refused with %d (%s) yet changed", request, status, answer.detail())
                            .isEmpty();
                }
            } else if (answer.body().length > 0) {
                assertThat(answer.json()).as("%s: %d answer is JSON", request, status).isNotNull();
            }
        } finally {
            server.restore(after);
        }
    }

    /** A passkey's answer refused by the ceremony (not by the door: no token, a body that is no object). */
    private static boolean isRefusedPasskeyAnswer(String path, Answer answer) {
        return (path.equals("/api/webauthn/login") || path.equals("/api/webauthn/register"))
                && (answer.status() == 400 || answer.status() == 429) && PASSKEY_REFUSALS.contains(answer.detail());
    }

    /** A well-formed attempt that the server counts: a wrong password or code, or one made while throttled. */
    private static boolean isCountedAttempt(String path, Answer answer) {
        String detail = answer.detail();
        return answer.status() == 429
                || (path.equals("/api/token") && answer.status() == 401
                        && detail.equals("No active account found with the given credentials"))
                || ((path.equals("/api/totp/login") || path.equals("/api/totp/recovery_code/login"))
                        && answer.status() == 400 && WRONG_CODE.contains(detail));
    }
}
