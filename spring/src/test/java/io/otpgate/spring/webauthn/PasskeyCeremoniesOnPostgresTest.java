package io.otpgate.spring.webauthn;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.test.context.TestPropertySource;

import io.otpgate.postgres.ThrowawayPostgres;

/**
 * The passkey ceremonies on PostgreSQL (a throw-away cluster of Debian's binaries): skipped without them on a
 * developer's machine, failed without them in CI.
 */
@ExtendWith(PasskeyCeremoniesOnPostgresTest.RequiresPostgres.class)
@TestPropertySource(properties = PasskeyTestApplication.DATABASE + "=postgres")
class PasskeyCeremoniesOnPostgresTest extends PasskeyCeremoniesContract {

    static class RequiresPostgres implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return ThrowawayPostgres.availableOrThrowInCi()
                    ? ConditionEvaluationResult.enabled("PostgreSQL server binaries found")
                    : ConditionEvaluationResult.disabled(ThrowawayPostgres.unavailableReason());
        }
    }
}
