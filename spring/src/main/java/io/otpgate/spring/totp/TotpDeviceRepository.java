package io.otpgate.spring.totp;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.otpgate.core.HmacAlgorithm;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.spring.device.DeviceThrottling;
import io.otpgate.spring.secret.SealedColumn;
import io.otpgate.spring.secret.SecretBox;
import io.otpgate.spring.system.SqlTime;

/** TOTP devices in SQL; the secret is sealed under the row's id. Joins the caller's transaction. */
@Repository
public class TotpDeviceRepository {

    private static final String COLUMNS = "id, account_id, name, confirmed, sealed_secret, algorithm, digits, period, "
            + "t0, tolerance, drift, last_step, throttling_failure_count, throttling_failure_timestamp, created_at, "
            + "last_used_at";

    private final JdbcClient jdbc;
    private final SecretBox box;

    TotpDeviceRepository(JdbcClient jdbc, SecretBox box) {
        this.jdbc = jdbc;
        this.box = box;
    }

    /**
     * Inserts a device.
     *
     * @param lastStep the last used step, or {@link TotpDevice#NO_STEP}
     * @return its id
     */
    public long insert(long userId, String name, boolean confirmed, OtpSecret secret, Totp settings, int tolerance,
            int drift, long lastStep, Instant createdAt) {
        long id = jdbc.sql("select nextval('otpgate_totp_device_id_seq')").query(Long.class).single();
        jdbc.sql("insert into otpgate_totp_device (" + COLUMNS + ") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, null, ?, null)")
                .params(id, userId, name, confirmed, box.seal(secret, SealedColumn.TOTP_SECRET, id),
                        settings.algorithm().name(), settings.digits(), settings.period().toSeconds(),
                        settings.t0(), tolerance, drift, lastStep, SqlTime.of(createdAt))
                .update();
        return id;
    }

    /** The user's devices, oldest first. */
    public List<TotpDevice> findByUser(long userId) {
        return jdbc.sql("select " + COLUMNS + " from otpgate_totp_device where account_id = ? order by id").param(userId)
                .query(TotpDeviceRepository::map).list();
    }

    /** The user's devices to verify against, locked until the transaction ends. */
    public List<TotpDevice> lockForVerification(long userId, boolean includePending) {
        return jdbc.sql("select " + COLUMNS + " from otpgate_totp_device where account_id = ?"
                + (includePending ? "" : " and confirmed = true") + " order by id for update")
                .param(userId).query(TotpDeviceRepository::map).list();
    }

    /** Opens the device's secret (for verification, or to show it once at enrolment). */
    public OtpSecret secret(TotpDevice device) {
        return box.openSecret(device.sealedSecret(), SealedColumn.TOTP_SECRET, device.id());
    }

    /**
     * Records an accepted code, only if its step is past the last used one: a replayed step updates nothing.
     * Confirms the device, clears its failures.
     *
     * @return whether the row was updated (false: the step was already used)
     */
    public boolean recordSuccess(long id, long step, int drift, Instant now) {
        return jdbc.sql("""
                update otpgate_totp_device set last_step = ?, drift = ?, confirmed = true, throttling_failure_count = 0,
                    throttling_failure_timestamp = null, last_used_at = ?
                where id = ? and last_step < ?""")
                .params(step, drift, SqlTime.of(now), id, step).update() == 1;
    }

    /** Deletes every TOTP device of the user; returns how many. */
    public int deleteByUser(long userId) {
        return jdbc.sql("delete from otpgate_totp_device where account_id = ?").param(userId).update();
    }

    /** Deletes the device if it belongs to the user; returns whether it did. */
    public boolean deleteById(long userId, long id) {
        return jdbc.sql("delete from otpgate_totp_device where id = ? and account_id = ?").params(id, userId).update() == 1;
    }

    /** Deletes the user's unconfirmed TOTP devices; returns how many. */
    public int deletePending(long userId) {
        return jdbc.sql("delete from otpgate_totp_device where account_id = ? and confirmed = false").param(userId).update();
    }

    static TotpDevice map(ResultSet rs, int row) throws SQLException {
        return new TotpDevice(rs.getLong("id"), rs.getLong("account_id"), rs.getString("name"),
                rs.getBoolean("confirmed"), rs.getBytes("sealed_secret"),
                HmacAlgorithm.valueOf(rs.getString("algorithm")), rs.getInt("digits"), rs.getInt("period"),
                rs.getLong("t0"), rs.getInt("tolerance"), rs.getInt("drift"), rs.getLong("last_step"),
                DeviceThrottling.state(rs.getInt("throttling_failure_count"),
                        SqlTime.instant(rs, "throttling_failure_timestamp")),
                SqlTime.instant(rs, "created_at"), SqlTime.instant(rs, "last_used_at"));
    }
}
