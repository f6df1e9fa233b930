package io.otpgate.server.login;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.text.Normalizer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.otpgate.spring.secret.ServerKey;
import io.otpgate.spring.secret.ServerKeys;
import io.otpgate.spring.system.SqlTime;

/**
 * The failed password logins of usernames, client addresses and (username, address) pairs ({@code login_throttle}),
 * and the pairs that logged in recently ({@code login_familiar}), shared by every instance on the database. A row is
 * named by its subject: the HMAC-SHA-256 of {@code "username:"} and the normalised name, of {@code "address:"} and the
 * address, or of {@code "pair:"}, the address, {@code "/"} and the normalised name, under the server key
 * {@link ServerKey#LOGIN_THROTTLE}; the name itself is never stored, and a dump does not tell which names were tried,
 * not even by hashing guesses. Each method is one statement (or a few), atomic on its own; none needs the caller's
 * transaction.
 */
@Repository
class LoginFailures {

    /** At most this many forgotten rows are deleted by one {@link #sweep}. */
    static final int SWEEP_BATCH = 100;
    /** Longer names are cut (no username is longer): the work per login stays bounded. */
    private static final int MAX_NAME = 150;
    private static final String HMAC = "HmacSHA256";
    /** Update, insert, update: the third try must hit the row the concurrent insert made. */
    private static final int COUNT_TRIES = 3;

    /** The failures of one subject: how many in a row, and when the last one was counted. */
    record Failures(int count, Instant last) {
    }

    private final JdbcClient jdbc;
    private final ServerKeys keys;
    private volatile SecretKeySpec key;

    LoginFailures(JdbcClient jdbc, ServerKeys keys) {
        this.jdbc = jdbc;
        this.keys = keys;
    }

    /**
     * The subject of a username over all addresses: the name in Unicode NFKC, without surrounding white space, in
     * lower case, cut at 150 characters; so that {@code Alice}, {@code alice } and {@code ALICE} share one count.
     * Null counts as empty.
     */
    byte[] username(String username) {
        return digest("username:" + normalised(username));
    }

    /** The subject of a client address, as the server saw it. */
    byte[] address(String address) {
        return digest("address:" + address);
    }

    /**
     * The subject of a username at a client address: both as above, the address first (it holds no {@code /}). A
     * null address is the empty one.
     */
    byte[] pair(String username, String address) {
        return digest("pair:" + (address == null ? "" : address) + "/" + normalised(username));
    }

    /** The failures counted for a subject, if any. */
    Optional<Failures> find(byte[] subject) {
        return jdbc.sql("select failure_count, last_failure from login_throttle where subject = ?").param(subject)
                .query((rs, n) -> new Failures(rs.getInt(1), SqlTime.instant(rs, "last_failure")))
                .optional();
    }

    /**
     * Counts one more failure of a subject at {@code now}. A count whose last failure came before
     * {@code forgetBefore} starts again at 1. Concurrent failures, on any instance, are each counted once: the
     * count is incremented by one conditional update, and a new row is inserted only if none exists
     * ({@code on conflict do nothing}; the loser of that race updates the winner's row).
     */
    void count(byte[] subject, Instant now, Instant forgetBefore) {
        for (int i = 0; i < COUNT_TRIES; i++) {
            int updated = jdbc.sql("""
                    update login_throttle
                    set failure_count = case when last_failure < ? then 1 else failure_count + 1 end,
                        last_failure = greatest(last_failure, ?)
                    where subject = ?""")
                    .params(SqlTime.of(forgetBefore), SqlTime.of(now), subject).update();
            if (updated == 1) {
                return;
            }
            int inserted = jdbc.sql("""
                    insert into login_throttle (subject, failure_count, last_failure) values (?, 1, ?)
                    on conflict do nothing""")
                    .params(subject, SqlTime.of(now)).update();
            if (inserted == 1) {
                return;
            }
        }
        throw new IllegalStateException("login_throttle: a failure could not be counted in " + COUNT_TRIES
                + " tries (its row was deleted each time)");
    }

    /**
     * Takes the one attempt that a wait lets through: moves the subject's last failure to {@code now}, so that the
     * wait starts again for every other attempt, if the row is still as {@code seen}. Of concurrent attempts that
     * all saw the wait over, on any instance, exactly one gets {@code true}.
     */
    boolean claim(byte[] subject, Failures seen, Instant now) {
        return jdbc.sql("""
                update login_throttle set last_failure = ?
                where subject = ? and failure_count = ? and last_failure = ?""")
                .params(SqlTime.of(now), subject, seen.count(), SqlTime.of(seen.last())).update() == 1;
    }

    /** Forgets a subject's failures (a username after a successful login). */
    void forget(byte[] subject) {
        jdbc.sql("delete from login_throttle where subject = ?").param(subject).update();
    }

    /**
     * Deletes at most {@link #SWEEP_BATCH} rows whose last failure came before {@code before}. Run at each failure,
     * it removes up to 100 rows while the failure adds at most 3, so a spray of random usernames cannot make the
     * table grow beyond the names that failed within {@code otpgate.login.forget-after}. A row counted again
     * meanwhile is kept: the condition is checked again on the row being deleted.
     *
     * @return how many rows were deleted
     */
    int sweep(Instant before) {
        return jdbc.sql("""
                delete from login_throttle where last_failure < ? and subject in (
                    select subject from login_throttle where last_failure < ? order by last_failure limit ?)""")
                .params(SqlTime.of(before), SqlTime.of(before), SWEEP_BATCH).update();
    }

    /** Whether the pair logged in at or after {@code since}. */
    boolean familiar(byte[] pair, Instant since) {
        return jdbc.sql("select count(*) from login_familiar where subject = ? and last_success >= ?")
                .params(pair, SqlTime.of(since)).query(Long.class).single() > 0;
    }

    /** Records that the pair logged in at {@code now}; concurrent successes leave one row, with the latest time. */
    void remember(byte[] pair, Instant now) {
        for (int i = 0; i < COUNT_TRIES; i++) {
            int updated = jdbc.sql("""
                    update login_familiar set last_success = greatest(last_success, ?) where subject = ?""")
                    .params(SqlTime.of(now), pair).update();
            if (updated == 1) {
                return;
            }
            int inserted = jdbc.sql("""
                    insert into login_familiar (subject, last_success) values (?, ?) on conflict do nothing""")
                    .params(pair, SqlTime.of(now)).update();
            if (inserted == 1) {
                return;
            }
        }
        throw new IllegalStateException("login_familiar: a success could not be recorded in " + COUNT_TRIES
                + " tries (its row was deleted each time)");
    }

    /**
     * Deletes at most {@link #SWEEP_BATCH} familiar pairs whose last success came before {@code before}. Run at each
     * success, which adds at most one row: the table holds the pairs that logged in within
     * {@code otpgate.login.familiar-for}.
     *
     * @return how many rows were deleted
     */
    int sweepFamiliar(Instant before) {
        return jdbc.sql("""
                delete from login_familiar where last_success < ? and subject in (
                    select subject from login_familiar where last_success < ? order by last_success limit ?)""")
                .params(SqlTime.of(before), SqlTime.of(before), SWEEP_BATCH).update();
    }

    /** How many subjects have failures counted (for tests and operators). */
    long size() {
        return jdbc.sql("select count(*) from login_throttle").query(Long.class).single();
    }

    private static String normalised(String username) {
        String name = Normalizer.normalize(username == null ? "" : username, Normalizer.Form.NFKC).strip()
                .toLowerCase(Locale.ROOT);
        return name.length() > MAX_NAME ? name.substring(0, MAX_NAME) : name;
    }

    private byte[] digest(String text) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key());
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(HMAC + " is not available in this JDK", e);
        }
    }

    private SecretKeySpec key() {
        SecretKeySpec known = key;
        if (known == null) {
            byte[] bytes = keys.get(ServerKey.LOGIN_THROTTLE).exposeBytes();
            known = new SecretKeySpec(bytes, HMAC);
            Arrays.fill(bytes, (byte) 0);
            key = known;
        }
        return known;
    }
}
