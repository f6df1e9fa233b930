package io.otpgate.spring.device;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.core.Throttle;
import io.otpgate.core.ThrottleDecision;
import io.otpgate.core.ThrottleState;
import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.system.OtpgateException;

/** Lists a user's devices, removes them, lifts locks: the operator's side of devices. */
@Service
public class DeviceService {

    private final JdbcClient jdbc;
    private final List<DevicePlugin> plugins;
    private final DeviceThrottling throttling;
    private final AccountRepository accounts;
    private final FailureMemory failures;
    private final List<SecondFactorListener> listeners;
    private final SecurityEvents events;
    private final SessionVersions sessions;
    private final Throttle throttle;
    private final Clock clock;

    DeviceService(JdbcClient jdbc, List<DevicePlugin> plugins, DeviceThrottling throttling, AccountRepository accounts,
            FailureMemory failures, List<SecondFactorListener> listeners, SecurityEvents events,
            SessionVersions sessions, VerificationProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.plugins = inKindOrder(plugins);
        this.throttling = throttling;
        this.accounts = accounts;
        this.failures = failures;
        this.listeners = listeners;
        this.events = events;
        this.sessions = sessions;
        this.throttle = properties.throttle();
        this.clock = clock;
    }

    private static List<DevicePlugin> inKindOrder(List<DevicePlugin> plugins) {
        Map<DeviceKind, DevicePlugin> byKind = new EnumMap<>(DeviceKind.class);
        for (DevicePlugin plugin : plugins) {
            DevicePlugin other = byKind.put(plugin.kind(), plugin);
            if (other != null) {
                throw new IllegalStateException("two plug-ins for the device kind " + plugin.kind() + ": "
                        + other.getClass().getName() + " and " + plugin.getClass().getName());
            }
        }
        return List.copyOf(byKind.values());
    }

    /** The plug-ins of these kinds, in the kinds' order (TOTP, HOTP, then recovery codes). */
    List<DevicePlugin> plugins(Set<DeviceKind> kinds) {
        return plugins.stream().filter(p -> kinds.contains(p.kind())).toList();
    }

    /** Every device of the user: TOTP, HOTP, then recovery codes. */
    @Transactional(readOnly = true)
    public List<DeviceSummary> list(long userId) {
        Instant now = clock.instant();
        List<DeviceSummary> list = new ArrayList<>();
        plugins.forEach(plugin -> list.addAll(plugin.list(userId, state -> until(state, now))));
        return list;
    }

    /** Whether the user has a confirmed device (django-otp's {@code user_has_device}). */
    @Transactional(readOnly = true)
    public boolean hasConfirmedDevice(long userId) {
        return hasConfirmed(userId, EnumSet.allOf(DeviceKind.class));
    }

    /**
     * Whether the user has a confirmed device of one of these kinds: one query, whatever the number of kinds (the
     * factor's filter asks it on every request of a user without the factor).
     */
    @Transactional(readOnly = true)
    public boolean hasConfirmed(long userId, Set<DeviceKind> kinds) {
        if (kinds.isEmpty()) {
            return false;
        }
        return jdbc.sql("select " + anyConfirmed("a.id", kinds) + " from otpgate_account a where a.id = ?")
                .param(userId).query(Boolean.class).optional().orElse(false);
    }

    /** Whether the device exists, is confirmed, and is the account's (a token that names it still proves it). */
    @Transactional(readOnly = true)
    public boolean hasConfirmed(long accountId, DeviceRef device) {
        return jdbc.sql("select count(*) from " + device.kind().table()
                + " where id = ? and account_id = ? and confirmed = true")
                .params(device.id(), accountId).query(Long.class).single() > 0;
    }

    /**
     * An SQL condition: whether the user whose id is in the column has a confirmed device of any kind.
     *
     * @param userIdColumn a column name from the calling query, such as {@code u.id}; never user input
     */
    public static String anyConfirmedDevice(String userIdColumn) {
        return anyConfirmed(userIdColumn, EnumSet.allOf(DeviceKind.class));
    }

    private static String anyConfirmed(String userIdColumn, Set<DeviceKind> kinds) {
        StringBuilder sql = new StringBuilder("(");
        for (DeviceKind kind : kinds) {
            sql.append(sql.length() == 1 ? "" : " or ").append("exists (select 1 from ").append(kind.table())
                    .append(" d where d.account_id = ").append(userIdColumn).append(" and d.confirmed = true)");
        }
        return sql.append(")").toString();
    }

    /**
     * Removes every device of the user (an operator's reset after a lost phone, or the user turning the second
     * factor off) and clears the account lock; the user is back to password only, and every session of the user
     * ends ({@link SessionVersions}).
     *
     * @return how many devices were removed
     */
    @Transactional
    public int removeAll(long userId, String clientAddress) {
        int removed = plugins.stream().mapToInt(plugin -> plugin.deleteAll(userId)).sum();
        accounts.unlock(userId);
        failures.clear(userId);
        Instant now = clock.instant();
        listeners.forEach(listener -> listener.secondFactorChanged(userId, false, now));
        events.record(SecurityEventKind.SECOND_FACTOR_RESET, userId, null, clientAddress,
                removed + (removed == 1 ? " device removed" : " devices removed"));
        sessions.endAll(userId, SessionVersions.SECOND_FACTOR_RESET, clientAddress);
        return removed;
    }

    /**
     * Removes one device of the user (a TOTP or HOTP device, or the recovery codes). The profile's
     * {@code is_otp_enabled} follows whether a confirmed device is left. Removing the recovery codes ends every
     * session of the user (one opened with a code must not outlive the codes).
     *
     * @throws OtpgateException NOT_FOUND if there is no such user, or the device does not exist or is another
     *     user's (nothing is removed then)
     */
    @Transactional
    public void remove(long userId, DeviceRef device, String clientAddress) {
        if (accounts.lock(userId).isEmpty()) {
            throw OtpgateException.notFound("no user with id " + userId);
        }
        boolean had = hasConfirmedDevice(userId);
        boolean removed = plugins(EnumSet.of(device.kind())).stream()
                .anyMatch(plugin -> plugin.delete(userId, device.id()));
        if (!removed) {
            throw OtpgateException.notFound("the user has no device " + device.persistentId());
        }
        boolean left = hasConfirmedDevice(userId);
        Instant now = clock.instant();
        listeners.forEach(listener -> listener.secondFactorChanged(userId, left, now));
        // Only the removal that turns the second factor off says so (a pending setup's removal does not).
        events.record(SecurityEventKind.DEVICE_REMOVED, userId, device.persistentId(), clientAddress,
                had && !left ? SecurityEvents.NO_CONFIRMED_DEVICE_LEFT : null);
        if (device.kind() == DeviceKind.STATIC) {
            sessions.endAll(userId, SessionVersions.RECOVERY_CODES_DELETED, clientAddress);
        }
    }

    /**
     * Removes the user's pending setups: every unconfirmed device of every kind, with the recovery codes that waited
     * for it. Joins the caller's transaction, which should hold the user's lock.
     *
     * @return how many devices were removed
     */
    public int removePendingSetups(long userId) {
        int removed = 0;
        for (DeviceKind kind : DeviceKind.values()) {
            removed += jdbc.sql("delete from " + kind.table() + " where account_id = ? and confirmed = false")
                    .param(userId).update();
        }
        return removed;
    }

    /**
     * Lifts the account's second-factor lock and every device's throttling.
     *
     * @return whether anything was locked or counting
     */
    @Transactional
    public boolean unlock(long userId, String clientAddress) {
        boolean account = accounts.unlock(userId);
        int devices = throttling.clear(userId);
        account |= failures.clear(userId) > 0;
        if (account || devices > 0) {
            events.record(SecurityEventKind.ACCOUNT_UNLOCKED, userId, null, clientAddress,
                    "by an operator" + (devices > 0 ? ", " + devices + " device throttles cleared" : ""));
            return true;
        }
        return false;
    }

    private Instant until(ThrottleState state, Instant now) {
        return throttle.check(state, now) instanceof ThrottleDecision.Delayed delayed ? delayed.until() : null;
    }
}
