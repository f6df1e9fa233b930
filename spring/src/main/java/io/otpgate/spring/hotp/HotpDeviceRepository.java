package io.otpgate.spring.hotp;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.otpgate.core.HmacAlgorithm;
import io.otpgate.core.Hotp;
import io.otpgate.core.OtpSecret;
import io.otpgate.spring.device.DeviceThrottling;
import io.otpgate.spring.secret.SealedColumn;
import io.otpgate.spring.secret.SecretBox;
import io.otpgate.spring.system.SqlTime;

/** HOTP devices in SQL; the secret is sealed under the row's id. Joins the caller's transaction. */
@Repository
public class HotpDeviceRepository {

    private static final String COLUMNS = "id, account_id, name, confirmed, sealed_secret, algorithm, digits, "
            + "tolerance, counter, throttling_failure_count, throttling_failure_timestamp, created_at, last_used_at";

    private final JdbcClient jdbc;
    private final SecretBox box;

    HotpDeviceRepository(JdbcClient jdbc, SecretBox box) {
        this.jdbc = jdbc;
        this.box = box;
    }

    /** Inserts a device; returns its id. */
    public long insert(long userId, String name, boolean confirmed, OtpSecret secret, Hotp settings, int tolerance,
            long counter, Instant createdAt) {
        long id = jdbc.sql("select nextval('otpgate_hotp_device_id_seq')").query(Long.class).single();
        jdbc.sql("insert into otpgate_hotp_device (" + COLUMNS + ") values (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, null, ?, null)")
                .params(id, userId, name, confirmed, box.seal(secret, SealedColumn.HOTP_SECRET, id),
                        settings.algorithm().name(), settings.digits(), tolerance, counter, SqlTime.of(createdAt))
                .update();
        return id;
    }

    public List<HotpDevice> findByUser(long userId) {
        return jdbc.sql("select " + COLUMNS + " from otpgate_hotp_device where account_id = ? order by id").param(userId)
                .query(HotpDeviceRepository::map).list();
    }

    /** The user's devices to verify against, locked until the transaction ends. */
    public List<HotpDevice> lockForVerification(long userId, boolean includePending) {
        return jdbc.sql("select " + COLUMNS + " from otpgate_hotp_device where account_id = ?"
                + (includePending ? "" : " and confirmed = true") + " order by id for update")
                .param(userId).query(HotpDeviceRepository::map).list();
    }

    public OtpSecret secret(HotpDevice device) {
        return box.openSecret(device.sealedSecret(), SealedColumn.HOTP_SECRET, device.id());
    }

    /**
     * Moves the counter past an accepted one, only if the counter is still the one that was read.
     *
     * @return whether the row was updated (false: another request moved the counter first)
     */
    public boolean recordSuccess(long id, long expectedCounter, long nextCounter, Instant now) {
        return jdbc.sql("""
                update otpgate_hotp_device set counter = ?, confirmed = true, throttling_failure_count = 0,
                    throttling_failure_timestamp = null, last_used_at = ?
                where id = ? and counter = ?""")
                .params(nextCounter, SqlTime.of(now), id, expectedCounter).update() == 1;
    }

    public int deleteByUser(long userId) {
        return jdbc.sql("delete from otpgate_hotp_device where account_id = ?").param(userId).update();
    }

    /** Deletes the device if it belongs to the user; returns whether it did. */
    public boolean deleteById(long userId, long id) {
        return jdbc.sql("delete from otpgate_hotp_device where id = ? and account_id = ?").params(id, userId).update() == 1;
    }

    /** Deletes the user's unconfirmed HOTP devices; returns how many. */
    public int deletePending(long userId) {
        return jdbc.sql("delete from otpgate_hotp_device where account_id = ? and confirmed = false").param(userId).update();
    }

    static HotpDevice map(ResultSet rs, int row) throws SQLException {
        return new HotpDevice(rs.getLong("id"), rs.getLong("account_id"), rs.getString("name"),
                rs.getBoolean("confirmed"), rs.getBytes("sealed_secret"),
                HmacAlgorithm.valueOf(rs.getString("algorithm")), rs.getInt("digits"), rs.getInt("tolerance"),
                rs.getLong("counter"),
                DeviceThrottling.state(rs.getInt("throttling_failure_count"),
                        SqlTime.instant(rs, "throttling_failure_timestamp")),
                SqlTime.instant(rs, "created_at"), SqlTime.instant(rs, "last_used_at"));
    }
}
