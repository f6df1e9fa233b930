package io.otpgate.reliability;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import io.otpgate.core.OtpSecret;
import io.otpgate.core.RecoveryCodeDigest;

/**
 * What the database holds after a {@code crash-safety} run, read over JDBC with the same SQL on H2 and PostgreSQL
 * (table and column names from the server's Flyway scripts): users and profiles, TOTP and HOTP devices with their
 * secrets opened ({@link SealedValues}), static devices with the digests of their codes, the security events written
 * since the {@link Watermark}, rows that lost their parent, and the recovery-code digest key.
 *
 * @param users by username
 * @param orphans rows whose parent row is missing (a device without its user, a code without its device, ...)
 * @param recoveryDigest the digest of recovery codes (its key opened from {@code server_key}), or null if it does not
 *     open
 */
public record DatabaseFacts(Map<String, UserRow> users, List<TotpRow> totpDevices, int hotpDevices,
        List<StaticRow> staticDevices, List<EventRow> events, int orphans, RecoveryCodeDigest recoveryDigest) {

    /** Where the run began: the newest event and device ids before the load (imported rows are at or below). */
    public record Watermark(long eventId, long totpId, long staticId) {
    }

    /** A user and its profile's {@code is_otp_enabled} (null without a profile). */
    public record UserRow(long id, String username, Boolean otpEnabled) {
    }

    /**
     * A TOTP device.
     *
     * @param secret its sealed secret opened, or null if it does not open
     */
    public record TotpRow(long id, long userId, boolean confirmed, OtpSecret secret, long lastStep) {
    }

    /**
     * A static device (recovery codes).
     *
     * @param digests the digests of its codes, in hex
     */
    public record StaticRow(long id, long userId, boolean confirmed, Set<String> digests) {
    }

    /** A security event. */
    public record EventRow(long id, String kind, Long userId, String device) {
    }

    public DatabaseFacts {
        users = Map.copyOf(users);
        totpDevices = List.copyOf(totpDevices);
        staticDevices = List.copyOf(staticDevices);
        events = List.copyOf(events);
    }

    /** The newest ids before a run; read with the server stopped or running. */
    public static Watermark watermark(Connection connection) throws SQLException {
        return new Watermark(max(connection, "otpgate_security_event"), max(connection, "otpgate_totp_device"),
                max(connection, "otpgate_static_device"));
    }

    /** Reads everything, opening sealed values with {@code sealed}. */
    public static DatabaseFacts read(Connection connection, SealedValues sealed, Watermark since) throws SQLException {
        Map<String, UserRow> users = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("""
                        select u.id, u.username, p.is_otp_enabled from auth_user u
                        left join user_profile p on p.user_id = u.id order by u.id""")) {
            while (rows.next()) {
                boolean enabled = rows.getBoolean(3);
                users.put(rows.getString(2), new UserRow(rows.getLong(1), rows.getString(2),
                        rows.wasNull() ? null : enabled));
            }
        }
        List<TotpRow> totp = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "select id, account_id, confirmed, sealed_secret, last_step from otpgate_totp_device order by id")) {
            while (rows.next()) {
                long id = rows.getLong(1);
                Optional<byte[]> secret = sealed.open(rows.getBytes(4), "totp_device", "sealed_secret", id);
                totp.add(new TotpRow(id, rows.getLong(2), rows.getBoolean(3),
                        secret.filter(bytes -> bytes.length > 0).map(OtpSecret::ofBytes).orElse(null),
                        rows.getLong(5)));
            }
        }
        Map<Long, Set<String>> digests = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("select device_id, digest from otpgate_static_token order by id")) {
            while (rows.next()) {
                digests.computeIfAbsent(rows.getLong(1), d -> new TreeSet<>())
                        .add(HexFormat.of().formatHex(rows.getBytes(2)));
            }
        }
        List<StaticRow> statics = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "select id, account_id, confirmed from otpgate_static_device order by id")) {
            while (rows.next()) {
                long id = rows.getLong(1);
                statics.add(new StaticRow(id, rows.getLong(2), rows.getBoolean(3),
                        digests.getOrDefault(id, Set.of())));
            }
        }
        List<EventRow> events = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "select id, kind, account_id, device from otpgate_security_event where id > ? order by id")) {
            statement.setLong(1, since.eventId());
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    long userId = rows.getLong(3);
                    events.add(new EventRow(rows.getLong(1), rows.getString(2), rows.wasNull() ? null : userId,
                            rows.getString(4)));
                }
            }
        }
        return new DatabaseFacts(users, totp, count(connection, "select count(*) from otpgate_hotp_device"), statics,
                events, orphans(connection), recoveryDigest(connection, sealed));
    }

    private static int orphans(Connection connection) throws SQLException {
        int orphans = 0;
        for (String table : List.of("user_profile", "user_oauth_profile", "refresh_token")) {
            orphans += count(connection, "select count(*) from " + table
                    + " c where not exists (select 1 from auth_user u where u.id = c.user_id)");
        }
        orphans += count(connection, "select count(*) from otpgate_account a"
                + " where not exists (select 1 from auth_user u where u.id = a.id)");
        for (String table : List.of("otpgate_totp_device", "otpgate_hotp_device", "otpgate_static_device")) {
            orphans += count(connection, "select count(*) from " + table
                    + " c where not exists (select 1 from otpgate_account a where a.id = c.account_id)");
        }
        orphans += count(connection, "select count(*) from otpgate_static_token t"
                + " where not exists (select 1 from otpgate_static_device d where d.id = t.device_id)");
        // An event keeps its user's id unless the user is deleted (on delete set null); none is, in this run.
        orphans += count(connection, "select count(*) from otpgate_security_event e where e.account_id is not null"
                + " and not exists (select 1 from auth_user u where u.id = e.account_id)");
        return orphans;
    }

    private static RecoveryCodeDigest recoveryDigest(Connection connection, SealedValues sealed) throws SQLException {
        // server_key row 1 is the recovery-digest key (the server's ServerKey.RECOVERY_DIGEST).
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("select sealed_key from otpgate_server_key where id = 1")) {
            if (!rows.next()) {
                return null;
            }
            return sealed.open(rows.getBytes(1), "server_key", "sealed_key", 1)
                    .filter(key -> key.length >= RecoveryCodeDigest.MIN_KEY_LENGTH)
                    .map(key -> new RecoveryCodeDigest(OtpSecret.ofBytes(key))).orElse(null);
        }
    }

    private static long max(Connection connection, String table) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("select coalesce(max(id), 0) from " + table)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static int count(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getInt(1);
        }
    }

    @Override
    public String toString() {
        return "DatabaseFacts[" + users.size() + " users, " + totpDevices.size() + " TOTP devices, "
                + staticDevices.size() + " static devices, " + events.size() + " events, secrets PROTECTED]";
    }
}
