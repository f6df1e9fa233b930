package io.otpgate.server.login;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How password guessing on {@code POST /api/token} is slowed ({@code otpgate.login.*}). After the free failures, each
 * further failure doubles the wait before the next attempt is checked, starting at {@code throttleFactor} and never
 * above {@code maxDelay}; a success clears the name's count.
 *
 * @param throttleFactor the first wait (1 s)
 * @param maxDelay the longest wait (5 min): a cap, so that an attacker cannot lock a user out for days
 * @param freeFailuresPerUsername failures of one username before waits begin (3)
 * @param freeFailuresPerAddress failures from one client address, over all usernames, before waits begin (20)
 * @param forgetAfter a name or address without failures for this long starts afresh (1 h); its row is then deleted
 */
@ConfigurationProperties("otpgate.login")
public record LoginProperties(@DefaultValue("1s") Duration throttleFactor, @DefaultValue("5m") Duration maxDelay,
        @DefaultValue("3") int freeFailuresPerUsername, @DefaultValue("20") int freeFailuresPerAddress,
        @DefaultValue("1h") Duration forgetAfter) {

    public LoginProperties {
        if (throttleFactor.isNegative() || throttleFactor.isZero() || maxDelay.compareTo(throttleFactor) < 0) {
            throw new IllegalArgumentException("otpgate.login.throttle-factor must be positive and at most "
                    + "max-delay, got " + throttleFactor + " and " + maxDelay);
        }
        if (freeFailuresPerUsername < 0 || freeFailuresPerAddress < 0) {
            throw new IllegalArgumentException("otpgate.login.free-failures-per-* must be 0 or more");
        }
        if (forgetAfter.compareTo(maxDelay) < 0) {
            throw new IllegalArgumentException("otpgate.login.forget-after must be at least max-delay (" + maxDelay
                    + "), got " + forgetAfter);
        }
    }
}
