package io.otpgate.spring.trust;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.otpgate.spring.system.SqlTime;

/** The rows of {@code otpgate_trusted_browser}. Joins the caller's transaction. */
@Repository
class TrustedBrowserRepository {

    static final String INSERT_SQL = """
            insert into otpgate_trusted_browser (account_id, digest, description, session_version, created_at,
                last_used_at, expires_at)
            values (?, ?, ?, ?, ?, ?, ?)""";

    /** The row of a digest, with whether it was made under the account's current session version. */
    static final String FIND_SQL = """
            select t.id, t.expires_at, t.session_version = a.session_version as current_version
            from otpgate_trusted_browser t join otpgate_account a on a.id = t.account_id
            where t.digest = ? and t.account_id = ?""";

    static final String TOUCH_SQL = "update otpgate_trusted_browser set last_used_at = ? where id = ?";

    /** The account's browsers that still count: not expired, made under the current session version. */
    static final String LIST_SQL = """
            select t.id, t.description, t.created_at, t.last_used_at, t.expires_at
            from otpgate_trusted_browser t join otpgate_account a on a.id = t.account_id
            where t.account_id = ? and t.expires_at > ? and t.session_version = a.session_version
            order by t.last_used_at desc, t.id desc""";

    static final String DELETE_ONE_SQL = "delete from otpgate_trusted_browser where id = ? and account_id = ?";

    static final String DELETE_ALL_SQL = "delete from otpgate_trusted_browser where account_id = ?";

    /** Rows that can never be valid again: expired (any account's), or the account's from an older version. */
    static final String DELETE_DEAD_SQL = """
            delete from otpgate_trusted_browser where expires_at <= ? or (account_id = ? and session_version <> (
                select a.session_version from otpgate_account a where a.id = ?))""";

    /** The account's rows beyond the newest {@code n}. */
    static final String DELETE_OLDEST_SQL = """
            delete from otpgate_trusted_browser where account_id = ? and id not in (
                select id from otpgate_trusted_browser where account_id = ? order by id desc limit ?)""";

    private static final RowMapper<TrustedBrowser> BROWSER = (rs, n) -> new TrustedBrowser(rs.getLong("id"),
            rs.getString("description"), SqlTime.instant(rs, "created_at"), SqlTime.instant(rs, "last_used_at"),
            SqlTime.instant(rs, "expires_at"));

    /** A stored row as a check reads it. */
    record Found(long id, Instant expiresAt, boolean currentVersion) {
    }

    private final JdbcClient jdbc;

    TrustedBrowserRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(long accountId, byte[] digest, String description, long sessionVersion, Instant now,
            Instant expiresAt) {
        jdbc.sql(INSERT_SQL).params(accountId, digest, description, sessionVersion, SqlTime.of(now), SqlTime.of(now),
                SqlTime.of(expiresAt)).update();
    }

    Optional<Found> find(long accountId, byte[] digest) {
        return jdbc.sql(FIND_SQL).params(digest, accountId).query((rs, n) -> new Found(rs.getLong(1),
                SqlTime.instant(rs, 2), rs.getBoolean(3))).optional();
    }

    void touch(long id, Instant now) {
        jdbc.sql(TOUCH_SQL).params(SqlTime.of(now), id).update();
    }

    List<TrustedBrowser> list(long accountId, Instant now) {
        return jdbc.sql(LIST_SQL).params(accountId, SqlTime.of(now)).query(BROWSER).list();
    }

    boolean delete(long accountId, long id) {
        return jdbc.sql(DELETE_ONE_SQL).params(id, accountId).update() == 1;
    }

    int deleteAll(long accountId) {
        return jdbc.sql(DELETE_ALL_SQL).param(accountId).update();
    }

    int deleteDead(long accountId, Instant now) {
        return jdbc.sql(DELETE_DEAD_SQL).params(SqlTime.of(now), accountId, accountId).update();
    }

    int keepNewest(long accountId, int newest) {
        return jdbc.sql(DELETE_OLDEST_SQL).params(accountId, accountId, newest).update();
    }
}
