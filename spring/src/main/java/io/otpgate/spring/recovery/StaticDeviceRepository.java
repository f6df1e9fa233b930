package io.otpgate.spring.recovery;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Repository;

import io.otpgate.spring.device.DeviceThrottling;
import io.otpgate.spring.system.SqlTime;

/** Static devices and their tokens (keyed digests only). Joins the caller's transaction. */
@Repository
public class StaticDeviceRepository {

    private static final String SELECT = """
            select d.id, d.account_id, d.name, d.confirmed, d.throttling_failure_count, d.throttling_failure_timestamp,
                d.created_at, d.last_used_at, (select count(*) from otpgate_static_token t where t.device_id = d.id) as codes_left
            from otpgate_static_device d""";

    private final JdbcClient jdbc;

    StaticDeviceRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Inserts a device with the digests of its codes; returns its id. */
    public long insert(long userId, String name, boolean confirmed, Collection<byte[]> digests, Instant createdAt) {
        KeyHolder keys = new GeneratedKeyHolder();
        jdbc.sql("insert into otpgate_static_device (account_id, name, confirmed, created_at) values (?, ?, ?, ?)")
                .params(userId, name, confirmed, SqlTime.of(createdAt)).update(keys, "id");
        long id = keys.getKeyAs(Long.class);
        for (byte[] digest : digests) {
            jdbc.sql("insert into otpgate_static_token (device_id, digest) values (?, ?)").params(id, digest).update();
        }
        return id;
    }

    public List<StaticDevice> findByUser(long userId) {
        return jdbc.sql(SELECT + " where d.account_id = ? order by d.id").param(userId)
                .query(StaticDeviceRepository::map).list();
    }

    /** The user's confirmed devices, locked until the transaction ends. */
    public List<StaticDevice> lockForVerification(long userId) {
        // Lock the device rows first (PostgreSQL refuses FOR UPDATE beside the count's subquery), then read.
        jdbc.sql("select id from otpgate_static_device where account_id = ? and confirmed = true order by id for update")
                .param(userId).query(Long.class).list();
        return jdbc.sql(SELECT + " where d.account_id = ? and d.confirmed = true order by d.id").param(userId)
                .query(StaticDeviceRepository::map).list();
    }

    /**
     * Consumes the token whose digest is one of the candidates: a delete that must hit exactly one row, so two
     * requests with the same code can never both succeed.
     *
     * @return whether a token was consumed
     */
    public boolean consume(long deviceId, List<byte[]> candidates) {
        if (candidates.isEmpty()) {
            return false;
        }
        String marks = String.join(", ", java.util.Collections.nCopies(candidates.size(), "?"));
        List<Object> params = new java.util.ArrayList<>();
        params.add(deviceId);
        params.addAll(candidates);
        return jdbc.sql("delete from otpgate_static_token where device_id = ? and digest in (" + marks + ")")
                .params(params).update() == 1;
    }

    /** Clears failures and notes the use. */
    public void recordSuccess(long deviceId, Instant now) {
        jdbc.sql("""
                update otpgate_static_device set throttling_failure_count = 0, throttling_failure_timestamp = null,
                    last_used_at = ? where id = ?""").params(SqlTime.of(now), deviceId).update();
    }

    /**
     * Confirms the user's pending devices (their TOTP setup was just confirmed); the confirmed codes they replace
     * are deleted. Returns how many were confirmed.
     */
    public int confirmPending(long userId) {
        jdbc.sql("""
                delete from otpgate_static_device where account_id = ? and confirmed = true
                    and exists (select 1 from otpgate_static_device p where p.account_id = ? and p.confirmed = false)""")
                .params(userId, userId).update();
        return jdbc.sql("update otpgate_static_device set confirmed = true where account_id = ? and confirmed = false")
                .param(userId).update();
    }

    /** The id of the user's confirmed device, if there is one (the oldest, should there be several). */
    public Optional<Long> findConfirmedId(long userId) {
        return jdbc.sql("select id from otpgate_static_device where account_id = ? and confirmed = true order by id limit 1")
                .param(userId)
                .query(Long.class).optional();
    }

    /**
     * Replaces a device's codes, keeping the device (and so the tokens that name it), and clears its throttling.
     */
    public void replaceCodes(long deviceId, Collection<byte[]> digests) {
        jdbc.sql("delete from otpgate_static_token where device_id = ?").param(deviceId).update();
        for (byte[] digest : digests) {
            jdbc.sql("insert into otpgate_static_token (device_id, digest) values (?, ?)").params(deviceId, digest).update();
        }
        jdbc.sql("""
                update otpgate_static_device set throttling_failure_count = 0, throttling_failure_timestamp = null
                where id = ?""").param(deviceId).update();
    }

    /** Deletes the user's devices other than this one. */
    public int deleteOthers(long userId, long keptId) {
        return jdbc.sql("delete from otpgate_static_device where account_id = ? and id <> ?").params(userId, keptId).update();
    }

    public int deleteByUser(long userId) {
        return jdbc.sql("delete from otpgate_static_device where account_id = ?").param(userId).update();
    }

    /** Deletes the device (and its codes) if it belongs to the user; returns whether it did. */
    public boolean deleteById(long userId, long id) {
        return jdbc.sql("delete from otpgate_static_device where id = ? and account_id = ?").params(id, userId).update() == 1;
    }

    /** Deletes the user's pending devices (a cancelled TOTP setup); returns how many. */
    public int deletePending(long userId) {
        return jdbc.sql("delete from otpgate_static_device where account_id = ? and confirmed = false").param(userId).update();
    }

    static StaticDevice map(ResultSet rs, int row) throws SQLException {
        return new StaticDevice(rs.getLong("id"), rs.getLong("account_id"), rs.getString("name"),
                rs.getBoolean("confirmed"),
                DeviceThrottling.state(rs.getInt("throttling_failure_count"),
                        SqlTime.instant(rs, "throttling_failure_timestamp")),
                SqlTime.instant(rs, "created_at"), SqlTime.instant(rs, "last_used_at"), rs.getInt("codes_left"));
    }
}
