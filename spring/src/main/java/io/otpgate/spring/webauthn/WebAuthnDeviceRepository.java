package io.otpgate.spring.webauthn;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.otpgate.spring.device.DeviceThrottling;
import io.otpgate.spring.system.SqlTime;

/** Passkeys in SQL ({@code otpgate_webauthn_device}). Joins the caller's transaction. */
@Repository
class WebAuthnDeviceRepository {

    private static final String COLUMNS = "id, account_id, name, confirmed, credential_id, public_key, user_handle, "
            + "sign_count, uv_at_registration, uv_at_last_use, backup_eligible, backed_up, transports, "
            + "attestation_format, throttling_failure_count, throttling_failure_timestamp, created_at, last_used_at";
    private static final String NEXT_ID_SQL = "select nextval('otpgate_webauthn_device_id_seq')";
    private static final String INSERT_SQL = "insert into otpgate_webauthn_device (" + COLUMNS
            + ") values (?, ?, ?, true, ?, ?, ?, ?, ?, null, ?, ?, ?, ?, 0, null, ?, null)";
    private static final String FIND_BY_ACCOUNT_SQL = "select " + COLUMNS
            + " from otpgate_webauthn_device where account_id = ? order by id";
    private static final String FIND_BY_CREDENTIAL_ID_SQL = "select " + COLUMNS
            + " from otpgate_webauthn_device where credential_id = ?";
    private static final String EXISTS_CREDENTIAL_ID_SQL = "select count(*) from otpgate_webauthn_device "
            + "where credential_id = ?";
    private static final String USER_HANDLE_SQL = "select user_handle from otpgate_webauthn_device "
            + "where account_id = ? order by id";
    /*
     * The use of an assertion, written only if nothing else used the credential since it was read: the counter is
     * still the one read (a concurrent use waits on the row lock, then finds it changed). The verifier has already
     * required the new count to be above the stored one (or both 0, for authenticators that keep none); with 0, the
     * single-use challenge is what refuses a second use of the same assertion.
     */
    private static final String RECORD_USE_SQL = """
            update otpgate_webauthn_device set sign_count = ?, uv_at_last_use = ?, backed_up = ?,
                throttling_failure_count = 0, throttling_failure_timestamp = null, last_used_at = ?
            where id = ? and account_id = ? and sign_count = ?""";
    private static final String DELETE_SQL = "delete from otpgate_webauthn_device where id = ? and account_id = ?";
    private static final String DELETE_ALL_SQL = "delete from otpgate_webauthn_device where account_id = ?";

    private final JdbcClient jdbc;

    WebAuthnDeviceRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A new credential, confirmed; returns its id. */
    long insert(long accountId, String name, byte[] credentialId, byte[] publicKey, byte[] userHandle, long signCount,
            boolean userVerified, boolean backupEligible, boolean backedUp, String transports,
            String attestationFormat, Instant createdAt) {
        long id = jdbc.sql(NEXT_ID_SQL).query(Long.class).single();
        jdbc.sql(INSERT_SQL).params(id, accountId, name, credentialId, publicKey, userHandle, signCount, userVerified,
                backupEligible, backedUp, transports, attestationFormat, SqlTime.of(createdAt)).update();
        return id;
    }

    List<WebAuthnDevice> findByAccount(long accountId) {
        return jdbc.sql(FIND_BY_ACCOUNT_SQL).param(accountId).query(WebAuthnDeviceRepository::map).list();
    }

    /** The credential with this id, whoever's it is. */
    Optional<WebAuthnDevice> findByCredentialId(byte[] credentialId) {
        return jdbc.sql(FIND_BY_CREDENTIAL_ID_SQL).param(credentialId).query(WebAuthnDeviceRepository::map)
                .optional();
    }

    boolean credentialIdExists(byte[] credentialId) {
        return jdbc.sql(EXISTS_CREDENTIAL_ID_SQL).param(credentialId).query(Long.class).single() > 0;
    }

    /** The user handle of the account's passkeys (the oldest's), if it has any. */
    Optional<byte[]> userHandle(long accountId) {
        return jdbc.sql(USER_HANDLE_SQL).param(accountId).query((rs, n) -> rs.getBytes(1)).list().stream()
                .findFirst();
    }

    /**
     * Records a verified assertion, only if the stored counter is still {@code readCount}.
     *
     * @return whether the row was updated (false: the credential was used meanwhile, or removed)
     */
    boolean recordUse(long id, long accountId, long readCount, long newCount, boolean userVerified, boolean backedUp,
            Instant now) {
        return jdbc.sql(RECORD_USE_SQL).params(newCount, userVerified, backedUp, SqlTime.of(now), id, accountId,
                readCount).update() == 1;
    }

    boolean delete(long accountId, long id) {
        return jdbc.sql(DELETE_SQL).params(id, accountId).update() == 1;
    }

    int deleteAll(long accountId) {
        return jdbc.sql(DELETE_ALL_SQL).param(accountId).update();
    }

    static WebAuthnDevice map(ResultSet rs, int row) throws SQLException {
        Boolean uvAtLastUse = rs.getObject("uv_at_last_use", Boolean.class);
        return new WebAuthnDevice(rs.getLong("id"), rs.getLong("account_id"), rs.getString("name"),
                rs.getBoolean("confirmed"), rs.getBytes("credential_id"), rs.getBytes("public_key"),
                rs.getBytes("user_handle"), rs.getLong("sign_count"), rs.getBoolean("uv_at_registration"),
                uvAtLastUse, rs.getBoolean("backup_eligible"), rs.getBoolean("backed_up"),
                rs.getString("transports"), rs.getString("attestation_format"),
                DeviceThrottling.state(rs.getInt("throttling_failure_count"),
                        SqlTime.instant(rs, "throttling_failure_timestamp")),
                SqlTime.instant(rs, "created_at"), SqlTime.instant(rs, "last_used_at"));
    }
}
