package io.otpgate.spring.device;

import java.time.Instant;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.otpgate.spring.system.SqlTime;

/**
 * The second factor's state of each user ({@code otpgate_account}): consecutive failures across all of the user's
 * devices, and the lock they lead to. Its row is what a verification locks first, so it orders every change to one
 * user's devices, across instances sharing the database. Joins the caller's transaction.
 */
@Repository
public class AccountRepository {

    private final JdbcClient jdbc;

    AccountRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * An account's failures.
     *
     * @param lockedAt when the second factor was locked, or null
     * @param lastVerifiedAt when the user last passed the second factor after failures (a success with none since
     *     the stored time leaves it: the failures counted from either time are the same), or null
     */
    public record AccountState(int failureCount, Instant lockedAt, Instant lastVerifiedAt) {
    }

    /** Locks the account until the transaction ends; empty if there is none. */
    public Optional<AccountState> lock(long accountId) {
        return jdbc.sql("select failure_count, locked_at, last_verified_at from otpgate_account where id = ? "
                + "for update").param(accountId)
                .query((rs, n) -> new AccountState(rs.getInt(1), SqlTime.instant(rs, "locked_at"),
                        SqlTime.instant(rs, "last_verified_at")))
                .optional();
    }

    /** Records a success: the consecutive failures end, and the time is kept. */
    void recordSuccess(long accountId, Instant at) {
        jdbc.sql("update otpgate_account set failure_count = 0, last_verified_at = ? where id = ?")
                .params(SqlTime.of(at), accountId).update();
    }

    /** The account of a user key, if there is one. */
    public Optional<AccountRef> findByUserKey(String userKey) {
        return jdbc.sql("select id, user_key from otpgate_account where user_key = ?").param(userKey)
                .query((rs, n) -> AccountRef.of(rs.getLong(1), rs.getString(2))).optional();
    }

    /** The account with this id, if there is one. */
    public Optional<AccountRef> findById(long accountId) {
        return jdbc.sql("select id, user_key from otpgate_account where id = ?").param(accountId)
                .query((rs, n) -> AccountRef.of(rs.getLong(1), rs.getString(2))).optional();
    }

    /** Records the consecutive failures, and the lock if they reached the limit ({@code lockedAt} not null). */
    void recordFailures(long accountId, int failures, Instant lockedAt) {
        jdbc.sql("update otpgate_account set failure_count = ?, locked_at = ? where id = ?")
                .params(failures, SqlTime.of(lockedAt), accountId).update();
    }

    /** Clears the failures and the lock; returns whether there were any. */
    boolean unlock(long accountId) {
        return jdbc.sql("""
                update otpgate_account set failure_count = 0, locked_at = null
                where id = ? and (failure_count > 0 or locked_at is not null)""").param(accountId).update() == 1;
    }
}
