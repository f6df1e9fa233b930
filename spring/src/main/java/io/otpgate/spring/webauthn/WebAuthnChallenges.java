package io.otpgate.spring.webauthn;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.otpgate.spring.system.SqlTime;

/**
 * The ceremonies' challenges ({@code otpgate_webauthn_challenge}): 32 random bytes each, bound to one account and one
 * purpose, valid for {@code otpgate.webauthn.challenge-lifetime}, and single use: a response that names one deletes
 * it, whatever becomes of the response. Kept in the database so that any instance can finish a ceremony another
 * began. Joins the caller's transaction.
 */
@Repository
class WebAuthnChallenges {

    /** Challenges kept per account and purpose: a client that asks for options again and again fills nothing. */
    static final int MAX_OPEN = 5;
    static final int CHALLENGE_BYTES = 32;

    /** What a challenge is for. */
    enum Purpose {
        REGISTRATION, AUTHENTICATION
    }

    /**
     * A challenge found and consumed.
     *
     * @param userHandle the user handle offered with a registration's options, or null
     */
    record Consumed(Instant expiresAt, byte[] userHandle) {
    }

    private static final String INSERT_SQL = """
            insert into otpgate_webauthn_challenge (account_id, purpose, challenge, user_handle, created_at, expires_at)
            values (?, ?, ?, ?, ?, ?)""";
    private static final String DELETE_EXPIRED_SQL = """
            delete from otpgate_webauthn_challenge where account_id = ? and expires_at <= ?""";
    private static final String DELETE_BEYOND_SQL = """
            delete from otpgate_webauthn_challenge where account_id = ? and purpose = ? and id not in (
                select id from otpgate_webauthn_challenge where account_id = ? and purpose = ?
                order by id desc limit ?)""";
    private static final String FIND_SQL = """
            select id, expires_at, user_handle from otpgate_webauthn_challenge
            where challenge = ? and account_id = ? and purpose = ?""";
    private static final String DELETE_SQL = "delete from otpgate_webauthn_challenge where id = ?";

    private final JdbcClient jdbc;
    private final SecureRandom random;
    private final Clock clock;

    WebAuthnChallenges(JdbcClient jdbc, SecureRandom random, Clock clock) {
        this.jdbc = jdbc;
        this.random = random;
        this.clock = clock;
    }

    /**
     * A new challenge for the account; the account's expired ones, and its oldest beyond {@value #MAX_OPEN} of this
     * purpose, are deleted.
     *
     * @param userHandle the user handle offered with registration options, or null
     * @return the challenge's bytes
     */
    byte[] issue(long accountId, Purpose purpose, byte[] userHandle, Duration lifetime) {
        Instant now = clock.instant();
        byte[] challenge = new byte[CHALLENGE_BYTES];
        random.nextBytes(challenge);
        jdbc.sql(DELETE_EXPIRED_SQL).params(accountId, SqlTime.of(now)).update();
        jdbc.sql(INSERT_SQL).params(accountId, purpose.name(), challenge, userHandle, SqlTime.of(now),
                SqlTime.of(now.plus(lifetime))).update();
        jdbc.sql(DELETE_BEYOND_SQL).params(accountId, purpose.name(), accountId, purpose.name(), MAX_OPEN).update();
        return challenge;
    }

    /**
     * Finds the account's challenge of this purpose with these bytes and deletes it, so that it can never be used
     * again (also when it has expired, or the response that named it is refused). Of two transactions consuming the
     * same challenge at once, one gets it: the other's delete waits and then finds no row.
     *
     * @return empty if there is no such challenge (never issued, another account's or purpose's, or used already)
     */
    Optional<Consumed> consume(long accountId, Purpose purpose, byte[] challenge) {
        Optional<Row> found = jdbc.sql(FIND_SQL).params(challenge, accountId, purpose.name())
                .query((rs, n) -> new Row(rs.getLong(1), new Consumed(SqlTime.instant(rs, 2), rs.getBytes(3))))
                .optional();
        if (found.isEmpty() || jdbc.sql(DELETE_SQL).param(found.get().id()).update() != 1) {
            return Optional.empty();
        }
        return Optional.of(found.get().challenge());
    }

    private record Row(long id, Consumed challenge) {
    }
}
