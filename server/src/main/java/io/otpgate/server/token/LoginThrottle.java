package io.otpgate.server.token;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.otpgate.core.Throttle;
import io.otpgate.server.audit.SecurityEventKind;
import io.otpgate.server.audit.SecurityEvents;

/**
 * Slows password guessing per username and per client address, in this server's memory (each instance counts its
 * own), for the API's {@code POST /api/token} and the admin panel's login together. The count is kept whether or not the username exists, so the waits do not tell which names do.
 */
public class LoginThrottle {

    private static final int MAX_NAME = 150;

    private record Failures(int count, Instant last) {
    }

    private final LoginProperties properties;
    private final Throttle throttle;
    private final SecurityEvents events;
    private final Clock clock;
    private final Map<String, Failures> byUsername = new ConcurrentHashMap<>();
    private final Map<String, Failures> byAddress = new ConcurrentHashMap<>();

    LoginThrottle(LoginProperties properties, SecurityEvents events, Clock clock) {
        this.events = events;
        this.properties = properties;
        this.throttle = Throttle.exponential(properties.throttleFactor());
        this.clock = clock;
    }

    /** How long this attempt must wait before its password is checked, or empty if it may be checked now. */
    public Optional<Duration> check(String username, String address) {
        Instant now = clock.instant();
        Duration wait = max(waitFor(byUsername.get(key(username)), properties.freeFailuresPerUsername(), now),
                waitFor(address == null ? null : byAddress.get(address), properties.freeFailuresPerAddress(), now));
        return wait.isZero() ? Optional.empty() : Optional.of(wait);
    }

    public void failed(String username, String address) {
        Instant now = clock.instant();
        count(byUsername, key(username), now);
        if (address != null) {
            count(byAddress, address, now);
        }
    }

    public void succeeded(String username) {
        byUsername.remove(key(username));
    }

    /** Counts a refused attempt (a metric only: a flood of them must not fill the security log). */
    public void countThrottled() {
        events.count(SecurityEventKind.LOGIN_THROTTLED);
    }

    private Duration waitFor(Failures failures, int free, Instant now) {
        if (failures == null || failures.count() <= free) {
            return Duration.ZERO;
        }
        Duration delay = delayAfter(failures.count() - free);
        Duration left = Duration.between(now, failures.last().plus(delay));
        return left.isNegative() ? Duration.ZERO
                : left.plusMillis(999).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    private Duration delayAfter(int excess) {
        Duration delay = throttle.delayAfter(excess);
        return delay.compareTo(properties.maxDelay()) > 0 ? properties.maxDelay() : delay;
    }

    private void count(Map<String, Failures> map, String key, Instant now) {
        map.compute(key, (k, old) -> old == null || old.last().plus(properties.forgetAfter()).isBefore(now)
                ? new Failures(1, now) : new Failures(old.count() + 1, now));
        if (map.size() > properties.maxTracked()) {
            trim(map, now);
        }
    }

    /** Drops forgotten entries, then, if still too many, the least recent tenth. */
    private void trim(Map<String, Failures> map, Instant now) {
        map.values().removeIf(f -> f.last().plus(properties.forgetAfter()).isBefore(now));
        int excess = map.size() - properties.maxTracked() * 9 / 10;
        if (excess > 0) {
            map.entrySet().stream().sorted(Comparator.comparing(e -> e.getValue().last())).limit(excess)
                    .map(Map.Entry::getKey).toList().forEach(map::remove);
        }
    }

    private static String key(String username) {
        String name = username == null ? "" : username;
        return name.length() > MAX_NAME ? name.substring(0, MAX_NAME) : name;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
