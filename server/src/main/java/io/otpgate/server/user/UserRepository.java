package io.otpgate.server.user;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Repository;

import io.otpgate.spring.system.SqlTime;

/** Users and their profiles, in SQL. Joins the caller's transaction. */
@Repository
public class UserRepository {

    /**
     * The columns {@link #map} reads, in this order (by position: by name, H2 builds a map of labels each time), from
     * {@link #FROM}: the user and the second factor's account state, which otpgate keeps in its own table.
     */
    static final String COLUMNS = "u.id, u.username, u.email, u.first_name, u.last_name, u.is_active, u.is_staff, "
            + "u.is_superuser, u.date_joined, u.last_login, coalesce(a.failure_count, 0), a.locked_at";

    private static final String FROM = " from auth_user u left join otpgate_account a on a.id = u.id";

    private final JdbcClient jdbc;

    UserRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<User> findByUsername(String username) {
        return jdbc.sql("select " + COLUMNS + FROM + " where u.username = ?").param(username)
                .query(UserRepository::map).optional();
    }

    /**
     * Locks the user's row until the transaction ends (orders concurrent changes to one user's devices).
     *
     * @return whether the user exists
     */
    public boolean lock(long id) {
        return jdbc.sql("select id from auth_user where id = ? for update").param(id).query(Long.class).optional()
                .isPresent();
    }

    public Optional<User> findById(long id) {
        return jdbc.sql("select " + COLUMNS + FROM + " where u.id = ?").param(id)
                .query(UserRepository::map).optional();
    }

    /** All users by username, for listings. */
    public List<User> findAll() {
        return jdbc.sql("select " + COLUMNS + FROM + " order by u.username").query(UserRepository::map).list();
    }

    /** The stored password hash, or empty if there is no such user. */
    public Optional<String> passwordHash(long userId) {
        return jdbc.sql("select password from auth_user where id = ?").param(userId).query(String.class).optional();
    }

    /**
     * Inserts a user with a password hash, and its profile (the Django project's {@code UserProfile}).
     *
     * @param djangoId the user's id in the Django database it comes from, or null
     * @return the new user's id
     * @throws org.springframework.dao.DuplicateKeyException if the username is taken
     */
    public long insert(NewUser user, String passwordHash, Instant dateJoined, Instant lastLogin, boolean active,
            Long djangoId) {
        KeyHolder keys = new GeneratedKeyHolder();
        jdbc.sql("""
                insert into auth_user (username, password, email, first_name, last_name, is_active, is_staff,
                    is_superuser, date_joined, last_login, django_id)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(user.username(), passwordHash, user.email(), user.firstName(), user.lastName(), active,
                        user.staff(), user.superuser(), SqlTime.of(dateJoined), SqlTime.of(lastLogin), djangoId)
                .update(keys, "id");
        long id = keys.getKeyAs(Long.class);
        // The user's second-factor account: the same id, and the username (never changed) as its user key.
        jdbc.sql("insert into otpgate_account (id, user_key, created_at) values (?, ?, ?)")
                .params(id, user.username(), SqlTime.of(dateJoined)).update();
        return id;
    }

    /** Inserts the profile of a user. */
    public void insertProfile(long userId, Profile profile) {
        jdbc.sql("""
                insert into user_profile (user_id, email, phone, first_name, last_name, created_at, updated_at,
                    power_account_id, power_contact_id, is_otp_enabled)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(userId, profile.email(), profile.phone(), profile.firstName(), profile.lastName(),
                        SqlTime.of(profile.createdAt()), SqlTime.of(profile.updatedAt()), profile.powerAccountId(),
                        profile.powerContactId(), profile.otpEnabled())
                .update();
    }

    public Optional<Profile> findProfile(long userId) {
        return findProfileRow(userId).map(ProfileRow::profile);
    }

    /** A profile and its row id (the Django project's {@code UserProfile.id}). */
    public record ProfileRow(long id, Profile profile) {
    }

    public Optional<ProfileRow> findProfileRow(long userId) {
        return jdbc.sql("select " + PROFILE_COLUMNS + " from user_profile p where p.user_id = ?").param(userId)
                .query((rs, n) -> profileRow(rs, 1)).optional();
    }

    /**
     * A user, their profile row (null if they have none) and their OAuth profiles, sealed (opened by
     * {@link OAuthProfileRepository#open}).
     */
    public record UserWithProfile(User user, ProfileRow profile, List<SealedOAuthProfile> oauthProfiles) {
    }

    /** An OAuth profile as stored: its credentials still sealed under the row's id. */
    public record SealedOAuthProfile(long id, String serviceName, String url, byte[] sealedCredentials) {
    }

    /**
     * A user with their profile and OAuth profiles, in one query: the API's {@code /api/me} reads them all on every
     * call (one row per OAuth profile, or one without).
     */
    public Optional<UserWithProfile> findWithProfile(long userId) {
        return jdbc.sql("select " + COLUMNS + ", " + PROFILE_COLUMNS + ", o.id, o.oauth_service_name, o.oauth_url, "
                + "o.sealed_oauth_credentials" + FROM + " left join user_profile p on p.user_id = u.id"
                + " left join user_oauth_profile o on o.user_id = u.id where u.id = ? order by o.id").param(userId)
                .query(rs -> {
                    if (!rs.next()) {
                        return Optional.<UserWithProfile>empty();
                    }
                    User user = map(rs, 0);
                    ProfileRow profile = rs.getObject(PROFILE_FIRST) == null ? null : profileRow(rs, PROFILE_FIRST);
                    List<SealedOAuthProfile> oauth = new ArrayList<>(1);
                    do {
                        int o = PROFILE_FIRST + PROFILE_COLUMN_COUNT;
                        if (rs.getObject(o) != null) {
                            oauth.add(new SealedOAuthProfile(rs.getLong(o), rs.getString(o + 1), rs.getString(o + 2),
                                    rs.getBytes(o + 3)));
                        }
                    } while (rs.next());
                    return Optional.of(new UserWithProfile(user, profile, oauth));
                });
    }

    /** The columns {@link #profileRow} reads, in this order. */
    private static final String PROFILE_COLUMNS = "p.id, p.email, p.phone, p.first_name, p.last_name, p.created_at, "
            + "p.updated_at, p.power_account_id, p.power_contact_id, p.is_otp_enabled";

    /** Where the profile's columns start after the user's in {@link #findWithProfile}. */
    private static final int PROFILE_FIRST = 13;

    /** How many columns {@link #PROFILE_COLUMNS} has. */
    private static final int PROFILE_COLUMN_COUNT = 10;

    private static ProfileRow profileRow(ResultSet rs, int first) throws SQLException {
        int i = first;
        return new ProfileRow(rs.getLong(i), new Profile(rs.getString(i + 1), rs.getString(i + 2),
                rs.getString(i + 3), rs.getString(i + 4), SqlTime.instant(rs, i + 5), SqlTime.instant(rs, i + 6),
                rs.getInt(i + 7), rs.getInt(i + 8), rs.getBoolean(i + 9)));
    }

    /**
     * Replaces the editable fields of a profile ({@code is_otp_enabled} and {@code created_at} are not editable)
     * and sets {@code updated_at}, as the Django project's {@code _AutoDateTimeField} does on every save.
     *
     * @return whether the user has a profile
     */
    public boolean updateProfile(long userId, Profile profile, Instant now) {
        return jdbc.sql("""
                update user_profile set email = ?, phone = ?, first_name = ?, last_name = ?, power_account_id = ?,
                    power_contact_id = ?, updated_at = ?
                where user_id = ?""")
                .params(profile.email(), profile.phone(), profile.firstName(), profile.lastName(),
                        profile.powerAccountId(), profile.powerContactId(), SqlTime.of(now), userId)
                .update() == 1;
    }

    /** Sets the profile's {@code is_otp_enabled} (and {@code updated_at}), if the user has a profile. */
    public void setOtpEnabled(long userId, boolean enabled, Instant now) {
        jdbc.sql("update user_profile set is_otp_enabled = ?, updated_at = ? where user_id = ?")
                .params(enabled, SqlTime.of(now), userId).update();
    }

    /**
     * Replaces the editable fields of a user (the admin panel's user page): names, email and flags.
     *
     * @return whether the user exists
     */
    public boolean updateUser(long userId, String email, String firstName, String lastName, boolean active,
            boolean staff, boolean superuser) {
        return jdbc.sql("""
                update auth_user set email = ?, first_name = ?, last_name = ?, is_active = ?, is_staff = ?,
                    is_superuser = ?
                where id = ?""")
                .params(email, firstName, lastName, active, staff, superuser, userId).update() == 1;
    }

    /** Replaces the password hash; returns whether the user exists. */
    public boolean updatePassword(long userId, String passwordHash) {
        return jdbc.sql("update auth_user set password = ? where id = ?").params(passwordHash, userId).update() == 1;
    }

    /** Replaces the password hash only if it is still the one that was checked (a login racing a password change). */
    public boolean upgradePassword(long userId, String oldHash, String newHash) {
        return jdbc.sql("update auth_user set password = ? where id = ? and password = ?")
                .params(newHash, userId, oldHash).update() == 1;
    }

    public void updateLastLogin(long userId, Instant when) {
        jdbc.sql("update auth_user set last_login = ? where id = ?").params(SqlTime.of(when), userId).update();
    }

    public boolean existsByDjangoId(long djangoId) {
        return jdbc.sql("select count(*) from auth_user where django_id = ?").param(djangoId)
                .query(Long.class).single() > 0;
    }

    static User map(ResultSet rs, int row) throws SQLException {
        return new User(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getBoolean(6), rs.getBoolean(7), rs.getBoolean(8), SqlTime.instant(rs, 9), SqlTime.instant(rs, 10),
                rs.getInt(11), SqlTime.instant(rs, 12));
    }
}
