package io.otpgate.server.login;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.otpgate.core.Throttle;
import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;

/**
 * Slows password guessing, for the API's {@code POST /api/token} and the admin panel's login together, with three
 * counts of failures:
 * <ul>
 * <li>per username and client address (3 free failures): the one that slows a guesser at one address;</li>
 * <li>per username over all addresses (10 free): a looser bound on guessing spread over many addresses;</li>
 * <li>per client address over all usernames (20 free): a bound on one address spraying many names.</li>
 * </ul>
 * An attempt waits for the longest of the counts that apply to it. An address from which the username logged in
 * within {@code otpgate.login.familiar-for} (30 days) is <em>familiar</em>, and its attempts answer only to their own
 * (username, address) count: an attacker without the password cannot keep the owner out from their usual address,
 * whatever he sends from elsewhere, and failures of other usernames behind the same address (a NAT, a proxy that
 * passes no client address) do not slow a user who logged in from it. An address that has not failed for the
 * username is not slowed by the attacker's failures at other addresses until those pass the looser bound. An IPv6
 * client is counted by its /64 network ({@link ClientNetwork}): rotating addresses inside it gains nothing.
 *
 * <p>Limits: an owner at an address that is not familiar (a new device, a new network) can be held off by guessing
 * spread over many addresses, up to {@code max-delay} at a time and one attempt per wait; an attacker at the owner's
 * own address (the same NAT) slows the owner there. The failures are kept in the database ({@link LoginFailures}),
 * so every instance sharing it counts the same ones and a restart forgets none. The count is kept whether or not
 * the username exists, so the waits do not tell which names do.
 */
public class LoginThrottle {

    /** One count that applies to an attempt, and its free failures. */
    private record Bound(byte[] subject, int free) {
    }

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
     * be checked now. Once a count is past its free failures, each wait lets one attempt through: the first to come
     * takes it (the wait starts again for the others, on every instance), so that concurrent attempts cannot all slip
     * through while the first password is being hashed. Failures older than {@code forget-after} are forgotten: no
     * wait, nothing to take.
     *
     * @param address the client's address, or null (then not counted per address, and never familiar); an IPv6
     *     address counts as its /64 network ({@link ClientNetwork})
     */
    public Optional<Duration> check(String username, String address) {
        address = ClientNetwork.of(address);
        Instant now = clock.instant();
        List<Bound> bounds = bounds(username, address, now);
        List<Bound> open = new ArrayList<>(bounds.size());
        List<LoginFailures.Failures> seen = new ArrayList<>(bounds.size());
        Duration wait = Duration.ZERO;
        for (Bound bound : bounds) {
            Optional<LoginFailures.Failures> found = failures.find(bound.subject());
            wait = max(wait, waitFor(found, bound.free(), now));
            if (found.isPresent() && found.get().count() > bound.free()
                    && !found.get().last().isBefore(now.minus(properties.forgetAfter()))) {
                open.add(bound);
                seen.add(found.get());
            }
        }
        for (int i = 0; wait.isZero() && i < open.size(); i++) {
            Bound bound = open.get(i);
            if (!failures.claim(bound.subject(), seen.get(i), now)) {
                // Another attempt took this opening first.
                wait = waitFor(failures.find(bound.subject()), bound.free(), now);
            }
        }
        return wait.isZero() ? Optional.empty() : Optional.of(wait);
    }

    /** Counts a wrong password (or unknown username) for the username at the address, overall and the address. */
    public void failed(String username, String address) {
        address = ClientNetwork.of(address);
        Instant now = clock.instant();
        Instant forgetBefore = now.minus(properties.forgetAfter());
        failures.count(failures.pair(username, address), now, forgetBefore);
        failures.count(failures.username(username), now, forgetBefore);
        if (address != null) {
            failures.count(failures.address(address), now, forgetBefore);
        }
        failures.sweep(forgetBefore);
    }

    /**
     * Clears the failures of the username at the address and makes the address familiar for the username. The
     * username's count over all addresses and the address's count stay: one success says nothing of the guessing
     * elsewhere, and an owner who logs in daily must not reopen the looser bound for a guesser every day.
     */
    public void succeeded(String username, String address) {
        address = ClientNetwork.of(address);
        Instant now = clock.instant();
        byte[] pair = failures.pair(username, address);
        failures.forget(pair);
        if (address != null) {
            failures.remember(pair, now);
            failures.sweepFamiliar(now.minus(properties.familiarFor()));
        }
    }

    /** Counts a refused attempt (a metric only: a flood of them must not fill the security log). */
    public void countThrottled() {
        events.count(SecurityEventKind.LOGIN_THROTTLED);
    }

    private List<Bound> bounds(String username, String address, Instant now) {
        byte[] pair = failures.pair(username, address);
        List<Bound> bounds = new ArrayList<>(3);
        bounds.add(new Bound(pair, properties.freeFailuresPerUsername()));
        if (address != null && !properties.familiarFor().isZero()
                && failures.familiar(pair, now.minus(properties.familiarFor()))) {
            return bounds;
        }
        bounds.add(new Bound(failures.username(username), properties.freeFailuresPerUsernameOverall()));
        if (address != null) {
            bounds.add(new Bound(failures.address(address), properties.freeFailuresPerAddress()));
        }
        return bounds;
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
