package io.otpgate.server.login;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How password guessing on {@code POST /api/token} and the admin login is slowed ({@code otpgate.login.*}). Three
 * counts, each with its free failures: a username from one client address, a username from all addresses together,
 * and a client address for all usernames. Past its free failures, each further failure of a count doubles the wait
 * before the next attempt it covers is checked, starting at {@code throttleFactor} and never above {@code maxDelay}.
 * An address from which the username logged in within {@code familiarFor} is familiar: its attempts answer only to
 * their own (username, address) count, so that strangers elsewhere, or other users behind the same address, cannot
 * keep the owner out. A success clears its (username, address) count.
 *
 * @param throttleFactor the first wait (1 s)
 * @param maxDelay the longest wait (5 min): a cap, so that an attacker cannot lock a user out for days
 * @param freeFailuresPerUsername failures of one username from one client address before waits begin (3)
 * @param freeFailuresPerUsernameOverall failures of one username from all addresses together before waits begin
 *        for it at every address that is not familiar (10): guessing spread over many addresses is slowed too
 * @param freeFailuresPerAddress failures from one client address, over all usernames, before waits begin for the
 *        usernames not familiar there (20)
 * @param forgetAfter a count without failures for this long starts afresh (1 h); its row is then deleted
 * @param familiarFor how long a successful login keeps its address familiar for the username (30 days)
 */
@ConfigurationProperties("otpgate.login")
public record LoginProperties(@DefaultValue("1s") Duration throttleFactor, @DefaultValue("5m") Duration maxDelay,
        @DefaultValue("3") int freeFailuresPerUsername, @DefaultValue("10") int freeFailuresPerUsernameOverall,
        @DefaultValue("20") int freeFailuresPerAddress, @DefaultValue("1h") Duration forgetAfter,
        @DefaultValue("30d") Duration familiarFor) {

    public LoginProperties {
        if (throttleFactor.isNegative() || throttleFactor.isZero() || maxDelay.compareTo(throttleFactor) < 0) {
            throw new IllegalArgumentException("otpgate.login.throttle-factor must be positive and at most "
                    + "max-delay, got " + throttleFactor + " and " + maxDelay);
        }
        if (freeFailuresPerUsername < 0 || freeFailuresPerUsernameOverall < 0 || freeFailuresPerAddress < 0) {
            throw new IllegalArgumentException("otpgate.login.free-failures-per-* must be 0 or more");
        }
        if (forgetAfter.compareTo(maxDelay) < 0) {
            throw new IllegalArgumentException("otpgate.login.forget-after must be at least max-delay (" + maxDelay
                    + "), got " + forgetAfter);
        }
        if (familiarFor.isNegative()) {
            throw new IllegalArgumentException("otpgate.login.familiar-for must be 0 (no address is familiar) or "
                    + "more, got " + familiarFor);
        }
    }
}
