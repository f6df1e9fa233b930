package io.otpgate.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ThrottleTest {

    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");
    private final Throttle throttle = Throttle.djangoDefault();

    @Test
    void checkWhenNoFailuresThenAllowed() {
        assertThat(throttle.check(ThrottleState.CLEAR, T).allowed()).isTrue();
    }

    @ParameterizedTest(name = "after {0} failures the wait is {1} s")
    @CsvSource({"1, 1", "2, 2", "3, 4", "4, 8", "5, 16", "10, 512"})
    void checkWhenFailuresThenWaitDoublesAsDjangoOtp(int failures, long waitSeconds) {
        ThrottleState state = new ThrottleState(failures, T);

        assertThat(throttle.check(state, T.plusSeconds(waitSeconds).minusMillis(1)))
                .isEqualTo(new ThrottleDecision.Delayed(T.plusSeconds(waitSeconds), Duration.ofMillis(1), failures));
        assertThat(throttle.check(state, T.plusSeconds(waitSeconds)).allowed()).isTrue();
    }

    @Test
    void checkWhenFactorGivenThenDelaysScale() {
        Throttle slow = Throttle.exponential(Duration.ofSeconds(3));

        assertThat(slow.delayAfter(1)).isEqualTo(Duration.ofSeconds(3));
        assertThat(slow.delayAfter(3)).isEqualTo(Duration.ofSeconds(12));
        assertThat(slow.check(new ThrottleState(3, T), T.plusSeconds(11)).allowed()).isFalse();
    }

    @Test
    void sequenceWhenAttemptsDuringWaitThenRefusedWithoutCounting() {
        ThrottleState state = ThrottleState.CLEAR;
        Instant now = T;
        // Three failures, each attempted as soon as allowed: waits of 1 s, 2 s.
        for (int i = 0; i < 3; i++) {
            assertThat(throttle.check(state, now).allowed()).isTrue();
            state = state.afterFailure(now);
            now = now.plus(throttle.delayAfter(state.failureCount()));
        }
        assertThat(state).isEqualTo(new ThrottleState(3, T.plusSeconds(3)));
        // During the 4 s wait, attempts are refused; the caller does not count them, so the wait does not grow.
        for (int s = 0; s < 4; s++) {
            ThrottleDecision decision = throttle.check(state, T.plusSeconds(3 + s));
            assertThat(decision).isInstanceOf(ThrottleDecision.Delayed.class);
            assertThat(((ThrottleDecision.Delayed) decision).retryAfter()).isEqualTo(Duration.ofSeconds(4 - s));
        }
        assertThat(throttle.check(state, T.plusSeconds(7)).allowed()).isTrue();
        assertThat(state.afterSuccess()).isEqualTo(ThrottleState.CLEAR);
    }

    @Test
    void checkWhenHardLimitReachedThenLockedWhateverTheWait() {
        Throttle limited = Throttle.djangoDefault().withHardLimit(5);

        assertThat(limited.check(new ThrottleState(4, T), T.plusSeconds(8)).allowed()).isTrue();
        assertThat(limited.check(new ThrottleState(5, T), T.plus(Duration.ofDays(10_000))))
                .isEqualTo(new ThrottleDecision.Locked(5));
    }

    @Test
    void checkWhenZeroFactorThenNoWaitButHardLimitHolds() {
        Throttle noDelay = Throttle.exponential(Duration.ZERO).withHardLimit(100);

        assertThat(noDelay.check(new ThrottleState(99, T), T).allowed()).isTrue();
        assertThat(noDelay.check(new ThrottleState(100, T), T).allowed()).isFalse();
    }

    @Test
    void delayWhenFailureCountHugeThenCappedWithoutOverflow() {
        Throttle hour = Throttle.exponential(Duration.ofHours(1));

        assertThat(hour.delayAfter(Integer.MAX_VALUE)).isEqualTo(Duration.ofHours(1).multipliedBy(1L << 40));
        assertThat(hour.check(new ThrottleState(Integer.MAX_VALUE, T), T.plus(Duration.ofDays(365_000)))
                .allowed()).isFalse();
        assertThat(new ThrottleState(Integer.MAX_VALUE, T).afterFailure(T).failureCount())
                .isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void configurationWhenOutOfRangeThenClearMessages() {
        assertThatThrownBy(() -> Throttle.djangoDefault().withHardLimit(101))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxFailures must be 1..100, got 101");
        assertThatThrownBy(() -> Throttle.exponential(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("factor must be 0..1 hour");
        assertThatThrownBy(() -> new ThrottleState(1, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ThrottleState(-1, T))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("failureCount must be 0 or more, got -1");
    }
}
