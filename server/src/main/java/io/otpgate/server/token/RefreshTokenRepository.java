package io.otpgate.server.token;

import java.time.Instant;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.otpgate.spring.system.SqlTime;

/** The refresh tokens the server issued, by {@code jti}. Joins the caller's transaction. */
@Repository
class RefreshTokenRepository {

    private final JdbcClient jdbc;

    RefreshTokenRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A stored token.
     *
     * @param usedAt when it was spent on a refresh, or null
     * @param revokedAt when it was blacklisted or its family revoked, or null
     */
    record Stored(String jti, String family, long userId, Instant usedAt, Instant revokedAt) {
    }

    void insert(String jti, String family, long userId, Instant issuedAt, Instant expiresAt) {
        jdbc.sql("insert into refresh_token (jti, family, user_id, issued_at, expires_at) values (?, ?, ?, ?, ?)")
                .params(jti, family, userId, SqlTime.of(issuedAt), SqlTime.of(expiresAt)).update();
    }

    /** The token, locked until the transaction ends. */
    Optional<Stored> lock(String jti) {
        return jdbc.sql("select jti, family, user_id, used_at, revoked_at from refresh_token where jti = ? for update")
                .param(jti)
                .query((rs, n) -> new Stored(rs.getString(1), rs.getString(2), rs.getLong(3),
                        SqlTime.instant(rs, "used_at"), SqlTime.instant(rs, "revoked_at")))
                .optional();
    }

    /** Spends the token, if it is neither spent nor revoked; returns whether it was. */
    boolean spend(String jti, Instant now) {
        return jdbc.sql("update refresh_token set used_at = ? where jti = ? and used_at is null and revoked_at is null")
                .params(SqlTime.of(now), jti).update() == 1;
    }

    /** Revokes one token; returns whether it was live. */
    boolean revoke(String jti, Instant now) {
        return jdbc.sql("update refresh_token set revoked_at = ? where jti = ? and revoked_at is null")
                .params(SqlTime.of(now), jti).update() == 1;
    }

    /** Revokes every token of a family; returns how many were not revoked yet. */
    int revokeFamily(String family, Instant now) {
        return jdbc.sql("update refresh_token set revoked_at = ? where family = ? and revoked_at is null")
                .params(SqlTime.of(now), family).update();
    }

    /** Deletes the tokens that expired before {@code before}; returns how many. */
    int deleteExpired(Instant before) {
        return jdbc.sql("delete from refresh_token where expires_at < ?").param(SqlTime.of(before)).update();
    }
}
