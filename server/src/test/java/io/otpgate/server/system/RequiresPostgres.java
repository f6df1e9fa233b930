package io.otpgate.server.system;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.otpgate.postgres.ThrowawayPostgres;

/**
 * A test class that needs Debian's PostgreSQL server binaries (see {@link PostgresTestCluster}). Without them it is
 * skipped (reported as such) on a developer's machine, and fails when {@code CI} is set. The condition is checked
 * before any Spring context is made.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresPostgres.Condition.class)
public @interface RequiresPostgres {

    /** Enables the test when PostgreSQL can be started. */
    class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (ThrowawayPostgres.availableOrThrowInCi()) {
                return ConditionEvaluationResult.enabled("PostgreSQL server binaries found");
            }
            return ConditionEvaluationResult.disabled(ThrowawayPostgres.unavailableReason());
        }
    }
}
