package io.otpgate.server.login;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import io.otpgate.core.Throttle;
import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;

/**
 * Slows password guessing per username and per client address, for the API's {@code POST /api/token} and the admin
 * panel's login together. The failures are kept in the database ({@link LoginFailures}), so every instance sharing
 * it counts the same ones and a restart forgets none. The count is kept whether or not the username exists, so the
 * waits do not tell which names do.
 */
public class LoginThrottle {

    private final LoginProperties properties;
    private final LoginFailures failures;
    private final Throttle throttle;
    private final SecurityEvents events;
    private final Clock clock;

    LoginThrottle(LoginProperties properties, LoginFailures failures, SecurityEvents events, Clock clock) {
        this.properties = properties;
        this.failures = failures;
        this.events = events;
        this.throttle = Throttle.exponential(properties.throttleFactor());
        this.clock = clock;
    }

    /**
     * How long this attempt must wait before its password is checked (whole seconds, rounded up), or empty if it may
     * be checked now. Once a username is past its free failures, each wait lets one attempt through: the first to
     * come takes it (the wait starts again for the others, on every instance), so that concurrent attempts cannot
     * all slip through while the first password is being hashed. Failures older than {@code forget-after} are
     * forgotten: no wait, nothing to take.
     *
     * @param address the client's address, or null (not counted per address)
     */
    public Optional<Duration> check(String username, String address) {
        Instant now = clock.instant();
        Duration byAddress = address == null ? Duration.ZERO
                : waitFor(failures.find(failures.address(address)), properties.freeFailuresPerAddress(), now);
        byte[] subject = failures.username(username);
        Optional<LoginFailures.Failures> found = failures.find(subject);
        Duration byUsername = waitFor(found, properties.freeFailuresPerUsername(), now);
        if (byAddress.isZero() && byUsername.isZero() && found.isPresent()
                && found.get().count() > properties.freeFailuresPerUsername()
                && !found.get().last().isBefore(now.minus(properties.forgetAfter()))
                && !failures.claim(subject, found.get(), now)) {
            // Another attempt took this opening first.
            byUsername = waitFor(failures.find(subject), properties.freeFailuresPerUsername(), now);
        }
        Duration wait = max(byAddress, byUsername);
        return wait.isZero() ? Optional.empty() : Optional.of(wait);
    }

    /** Counts a wrong password (or unknown username) for the username and the address. */
    public void failed(String username, String address) {
        Instant now = clock.instant();
        Instant forgetBefore = now.minus(properties.forgetAfter());
        failures.count(failures.username(username), now, forgetBefore);
        if (address != null) {
            failures.count(failures.address(address), now, forgetBefore);
        }
        failures.sweep(forgetBefore);
    }

    /** Clears the username's failures (not the address's: one user's success says nothing of the others). */
    public void succeeded(String username) {
        failures.forget(failures.username(username));
    }

    /** Counts a refused attempt (a metric only: a flood of them must not fill the security log). */
    public void countThrottled() {
        events.count(SecurityEventKind.LOGIN_THROTTLED);
    }

    private Duration waitFor(Optional<LoginFailures.Failures> found, int free, Instant now) {
        if (found.isEmpty() || found.get().count() <= free) {
            return Duration.ZERO;
        }
        Duration delay = delayAfter(found.get().count() - free);
        Duration left = Duration.between(now, found.get().last().plus(delay));
        return left.isNegative() || left.isZero() ? Duration.ZERO
                : left.plusMillis(999).truncatedTo(ChronoUnit.SECONDS);
    }

    private Duration delayAfter(int excess) {
        Duration delay = throttle.delayAfter(excess);
        return delay.compareTo(properties.maxDelay()) > 0 ? properties.maxDelay() : delay;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
