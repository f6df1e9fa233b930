package io.otpgate.spring.audit;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

import io.otpgate.spring.system.SqlTime;

/**
 * Writes and reads the security log. An event is written in the caller's transaction, so the log holds exactly
 * the outcomes that were committed. Each event is also logged at INFO (ids and outcome only).
 */
@Component
public class SecurityEvents {

    private static final Logger log = LoggerFactory.getLogger("otpgate.security");
    private static final int MAX_DETAIL = 255;

    /** The detail of {@link SecurityEventKind#DEVICE_REMOVED} when the user's last confirmed device went: 2FA off. */
    public static final String NO_CONFIRMED_DEVICE_LEFT = "no confirmed device left";

    private final JdbcClient jdbc;
    private final Clock clock;
    private final ObjectProvider<MeterRegistry> meters;
    private final ObjectProvider<SecurityEventListener> listeners;
    /** Resolved on the first event (not in the constructor: a listener may need beans that need this one). */
    private volatile List<SecurityEventListener> resolvedListeners;
    private final Map<SecurityEventKind, Counter> counters = new ConcurrentHashMap<>();

    SecurityEvents(JdbcClient jdbc, Clock clock, ObjectProvider<MeterRegistry> meters,
            ObjectProvider<SecurityEventListener> listeners) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.meters = meters;
        this.listeners = listeners;
    }

    /**
     * Counts an event without writing it (for floods of refusals, such as throttled logins): the counter
     * {@code otpgate.security.events} with tag {@code kind}, exported at {@code /actuator/prometheus}.
     */
    public void count(SecurityEventKind kind) {
        Counter counter = counters.get(kind);
        if (counter == null) {
            MeterRegistry registry = meters.getIfAvailable();
            if (registry == null) {
                return;
            }
            counter = counters.computeIfAbsent(kind, k -> Counter.builder("otpgate.security.events")
                    .description("Security events by kind").tag("kind", k.name()).register(registry));
        }
        counter.increment();
    }

    /**
     * Records an event now, and tells each {@link SecurityEventListener} of it (for a known user).
     *
     * @param userId the user, or null
     * @param device the device's persistent id, or null
     * @param clientAddress the client's address, or null (a command)
     * @param detail a short outcome, or null; must not contain a secret
     */
    public void record(SecurityEventKind kind, Long userId, String device, String clientAddress, String detail) {
        Instant now = clock.instant();
        String shortDetail = detail != null && detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) : detail;
        jdbc.sql("""
                insert into otpgate_security_event (occurred_at, kind, account_id, user_key, device, client_address,
                    detail)
                values (?, ?, ?, (select user_key from otpgate_account where id = ?), ?, ?, ?)""")
                .params(SqlTime.of(now), kind.name(), userId, userId, device, clientAddress, shortDetail)
                .update();
        log.info("{} user={} device={} client={} {}", kind, userId, device, clientAddress,
                shortDetail == null ? "" : shortDetail);
        if (userId != null) {
            List<SecurityEventListener> told = resolvedListeners;
            if (told == null) {
                told = listeners.orderedStream().toList();
                resolvedListeners = told;
            }
            told.forEach(listener -> listener.recorded(kind, userId, device, clientAddress, shortDetail, now));
        }
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            // Counted once the event is committed, so the counters agree with the log.
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    count(kind);
                }
            });
        } else {
            count(kind);
        }
    }

    /**
     * Records an event, unless one of the same kind was already recorded for the user at or after {@code since};
     * then only counts it (as {@link #count}). For refusals that an attacker can repeat as fast as the server
     * answers (codes sent during a wait or a lock): the log keeps the first of each wait or lock, the counter all.
     *
     * @param since when the wait or lock that causes the refusal began (the failure or the lock)
     * @return whether the event was written
     */
    public boolean recordOnceSince(Instant since, SecurityEventKind kind, long userId, String device,
            String clientAddress, String detail) {
        boolean recorded = jdbc.sql("select count(*) from otpgate_security_event where account_id = ? "
                + "and occurred_at >= ? and kind = ?").params(userId, SqlTime.of(since), kind.name()).query(Long.class).single() > 0;
        if (recorded) {
            count(kind);
            return false;
        }
        record(kind, userId, device, clientAddress, detail);
        return true;
    }

    /**
     * The newest events first, filtered.
     *
     * @param userId only this user's, or null for all
     * @param kind only this kind, or null for all
     * @param from only at or after, or null
     * @param to only before, or null
     * @param limit at most this many, 1..1000
     */
    public List<SecurityEvent> list(Long userId, SecurityEventKind kind, Instant from, Instant to, int limit) {
        return query(userId, kind, from, to, null, limit);
    }

    /**
     * As {@link #list(Long, SecurityEventKind, Instant, Instant, int)}, one page at a time, in the order the events
     * were written (by id: one sequence for every instance, whatever their clocks say).
     *
     * @param beforeId only events written before this one, or null for the newest
     */
    public List<SecurityEvent> page(Long userId, SecurityEventKind kind, Instant from, Instant to, Long beforeId,
            int limit) {
        return query(userId, kind, from, to, beforeId == null ? Long.MAX_VALUE : beforeId, limit);
    }

    private List<SecurityEvent> query(Long userId, SecurityEventKind kind, Instant from, Instant to, Long beforeId,
            int limit) {
        StringBuilder sql = new StringBuilder("""
                select id, occurred_at, kind, account_id, user_key, device, client_address, detail
                from otpgate_security_event where 1 = 1""");
        List<Object> params = new ArrayList<>();
        if (userId != null) {
            sql.append(" and account_id = ?");
            params.add(userId);
        }
        if (kind != null) {
            sql.append(" and kind = ?");
            params.add(kind.name());
        }
        if (from != null) {
            sql.append(" and occurred_at >= ?");
            params.add(SqlTime.of(from));
        }
        if (to != null) {
            sql.append(" and occurred_at < ?");
            params.add(SqlTime.of(to));
        }
        if (beforeId != null) {
            sql.append(" and id < ?");
            params.add(beforeId);
        }
        sql.append(beforeId == null ? " order by occurred_at desc, id desc limit ?" : " order by id desc limit ?");
        params.add(Math.max(1, Math.min(limit, 1000)));
        return jdbc.sql(sql.toString()).params(params).query((rs, n) -> new SecurityEvent(rs.getLong("id"),
                SqlTime.instant(rs, "occurred_at"), SecurityEventKind.valueOf(rs.getString("kind")),
                rs.getObject("account_id", Long.class), rs.getString("user_key"), rs.getString("device"),
                rs.getString("client_address"), rs.getString("detail"))).list();
    }
}
