package io.otpgate.spring.device;

import java.time.Clock;
import java.util.Optional;
import java.util.OptionalLong;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

import io.otpgate.spring.system.OtpgateException;
import io.otpgate.spring.system.SqlTime;

/**
 * The accounts of an application's users, by user key (by default {@code Authentication.getName()}): made on first
 * need, so a user who never enrols has none, and nothing in otpgate changes for them.
 */
@Service
public class Accounts {

    /** The longest user key ({@code otpgate_account.user_key}). */
    public static final int MAX_USER_KEY = 255;

    private final AccountRepository accounts;
    private final JdbcClient jdbc;
    private final Clock clock;

    Accounts(AccountRepository accounts, JdbcClient jdbc, Clock clock) {
        this.accounts = accounts;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** The account of a user key, if the user ever had one. */
    public Optional<AccountRef> find(String userKey) {
        return valid(userKey) ? accounts.findByUserKey(userKey) : Optional.empty();
    }

    /**
     * The account of a user key, made if there is none. Two requests making the same account at once get the same
     * one. Not in a transaction of the caller's: the insert commits on its own.
     *
     * @throws OtpgateException INVALID for a blank key or one longer than {@value #MAX_USER_KEY} characters
     */
    public AccountRef forUserKey(String userKey) {
        if (!valid(userKey)) {
            throw OtpgateException.invalid("a user key must be 1.." + MAX_USER_KEY + " characters");
        }
        Optional<AccountRef> found = accounts.findByUserKey(userKey);
        if (found.isPresent()) {
            return found.get();
        }
        try {
            jdbc.sql("insert into otpgate_account (user_key, created_at) values (?, ?)")
                    .params(userKey, SqlTime.of(clock.instant())).update();
        } catch (DuplicateKeyException e) {
            // Made meanwhile by another request for the same user.
        }
        return accounts.findByUserKey(userKey).orElseThrow();
    }

    /**
     * The account's session version: every session, token family or remembered browser records the version it began
     * under and ends when it is no longer the current one. 0 for a user without an account (nothing ended yet).
     */
    public long sessionVersion(long accountId) {
        return jdbc.sql("select session_version from otpgate_account where id = ?").param(accountId)
                .query(Long.class).optional().orElse(0L);
    }

    /**
     * The session version of a user key's account, with one indexed query (the key is unique): what a session that
     * holds the second factor compares with the version it recorded, on every request. Empty if the user has no
     * account (or the key is invalid).
     */
    public OptionalLong sessionVersionOf(String userKey) {
        if (!valid(userKey)) {
            return OptionalLong.empty();
        }
        return jdbc.sql("select session_version from otpgate_account where user_key = ?").param(userKey)
                .query(Long.class).optional().map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    /**
     * Ends every session of the user, on every instance sharing the database: bumps the session version. Joins the
     * caller's transaction. Returns the new version (0 if there is no account: nothing to end).
     */
    public long endSessions(long accountId) {
        jdbc.sql("update otpgate_account set session_version = session_version + 1 where id = ?").param(accountId)
                .update();
        return sessionVersion(accountId);
    }

    private static boolean valid(String userKey) {
        return userKey != null && !userKey.isBlank() && userKey.length() <= MAX_USER_KEY;
    }
}
