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

    /** Opens a profile read sealed with its user ({@link UserRepository#findWithProfile}). */
    public OAuthProfile open(long userId, UserRepository.SealedOAuthProfile sealed) {
        return new OAuthProfile(sealed.id(), userId, sealed.serviceName(), sealed.url(),
                box.openText(sealed.sealedCredentials(), SEALED_CREDENTIALS, sealed.id()));
    }

    public List<OAuthProfile> findByUser(long userId) {
        return jdbc.sql("""
                select id, user_id, oauth_service_name, oauth_url, sealed_oauth_credentials
                from user_oauth_profile where user_id = ? order by id""").param(userId)
                .query((rs, n) -> new OAuthProfile(rs.getLong("id"), rs.getLong("user_id"),
                        rs.getString("oauth_service_name"), rs.getString("oauth_url"),
                        box.openText(rs.getBytes("sealed_oauth_credentials"), SEALED_CREDENTIALS,
                                rs.getLong("id"))))
                .list();
    }

    /** Deletes one of the user's profiles; returns whether it existed. */
    public boolean delete(long userId, long id) {
        return jdbc.sql("delete from user_oauth_profile where id = ? and user_id = ?").params(id, userId).update() == 1;
    }
}
