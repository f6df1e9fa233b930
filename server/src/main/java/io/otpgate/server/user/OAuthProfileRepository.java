package io.otpgate.server.user;

import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.otpgate.spring.secret.SealedColumn;
import io.otpgate.spring.secret.SecretBox;

/** OAuth profiles; their credentials are sealed under the row's id. */
@Repository
public class OAuthProfileRepository {

    /** The OAuth credentials column: sealed, and re-sealed by {@code rotate-key} (see {@link UserColumns}). */
    public static final SealedColumn SEALED_CREDENTIALS = new SealedColumn("user_oauth_profile",
            "sealed_oauth_credentials", "id", "user_oauth_profile");

    private final JdbcClient jdbc;
    private final SecretBox box;

    OAuthProfileRepository(JdbcClient jdbc, SecretBox box) {
        this.jdbc = jdbc;
        this.box = box;
    }

    /** Inserts a profile; returns its id. */
    public long insert(long userId, String serviceName, String url, String credentials) {
        long id = jdbc.sql("select nextval('user_oauth_profile_id_seq')").query(Long.class).single();
        jdbc.sql("""
                insert into user_oauth_profile (id, user_id, oauth_service_name, oauth_url, sealed_oauth_credentials)
                values (?, ?, ?, ?, ?)""")
                .params(id, userId, serviceName, url, box.sealText(credentials, SEALED_CREDENTIALS, id))
                .update();
        return id;
    }

    /** Opens a stored profile of the user (read by {@link #findByUser} or {@link UserRepository#findWithProfile}). */
    public OAuthProfile open(long userId, UserRepository.SealedOAuthProfile sealed) {
        return new OAuthProfile(sealed.id(), userId, sealed.serviceName(), sealed.url(),
                box.openText(sealed.sealedCredentials(), SEALED_CREDENTIALS, sealed.id()));
    }

    public List<OAuthProfile> findByUser(long userId) {
        return jdbc.sql("""
                select id, oauth_service_name, oauth_url, sealed_oauth_credentials
                from user_oauth_profile where user_id = ? order by id""").param(userId)
                .query((rs, n) -> new UserRepository.SealedOAuthProfile(rs.getLong(1), rs.getString(2),
                        rs.getString(3), rs.getBytes(4)))
                .list().stream().map(sealed -> open(userId, sealed)).toList();
    }

    /** Deletes one of the user's profiles; returns whether it existed. */
    public boolean delete(long userId, long id) {
        return jdbc.sql("delete from user_oauth_profile where id = ? and user_id = ?").params(id, userId).update() == 1;
    }
}
