package io.otpgate.server.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;

import io.otpgate.core.HmacAlgorithm;
import io.otpgate.core.Hotp;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.PendingSetups;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.spring.recovery.RecoveryCodeService;
import io.otpgate.spring.totp.TotpEnrolment;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.UserService;

/**
 * A database written by the last release (its migrations up to V3, and rows as it wrote them: failure counts and
 * locks in {@code auth_user}, devices keyed by {@code user_id}, secrets sealed under their table's old name) is
 * upgraded when the application starts on it: every user keeps their devices, secrets, failures and lock, and every
 * id that a token or the security log names.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@Import(TestClock.Config.class)
abstract class UpgradeFromLastReleaseContract {

    static final Instant WRITTEN = Instant.parse("2026-11-01T10:00:00Z");
    private static final byte[] TEST_KEY = Base64.getDecoder().decode(TestDatabases.TEST_KEYS.substring(2));

    /** What the last release left, written before the application started. */
    record Written(long alice, long bob, long carol, long dan, long aliceTotp, long bobHotp, long carolTotp, long aliceStatic,
            OtpSecret aliceSecret, OtpSecret bobSecret) {
    }

    private static final Map<Class<?>, Written> WRITTEN_FOR = new java.util.concurrent.ConcurrentHashMap<>();

    /** Keeps what was written for one test class (the subclasses' databases are built before their contexts). */
    static void remember(Class<?> testClass, Written rows) {
        WRITTEN_FOR.put(testClass, rows);
    }

    Written written;

    @Autowired VerificationService verification;
    @Autowired TotpEnrolment enrolment;
    @Autowired RecoveryCodeService recoveryCodes;
    @Autowired UserService users;
    @Autowired JdbcClient jdbc;
    @Autowired TestClock clock;

    @BeforeEach
    void anHourLater() {
        written = WRITTEN_FOR.get(getClass());
        clock.set(WRITTEN.plus(Duration.ofHours(1)));
    }

    @Test
    void upgradeWhenUsersHadFailuresAndLocksThenTheirAccountsCarryThem() {
        assertThat(account(written.dan())).containsEntry("user_key", "dan")
                .containsEntry("failure_count", 3).containsEntry("locked", false);
        assertThat(jdbc.sql("select account_id, user_key, detail from otpgate_security_event where account_id = ?")
                .param(written.dan()).query().listOfRows()).singleElement().satisfies(row -> assertThat(row)
                        .containsEntry("user_key", "dan").containsEntry("detail", "failure 3 of 100"));
        assertThat(account(written.bob())).containsEntry("user_key", "bob")
                .containsEntry("failure_count", 100).containsEntry("locked", true);
        assertThat(jdbc.sql("select count(*) from information_schema.columns where lower(table_name) = 'auth_user' "
                + "and lower(column_name) like 'otp_%'").query(Long.class).single()).isZero();
        assertThat(verification.verify(written.bob(), Hotp.of(HmacAlgorithm.SHA1, 6).generate(written.bobSecret(), 5),
                EnumSet.of(DeviceKind.HOTP), PendingSetups.NONE, null))
                .as("bob's lock still holds").isInstanceOf(VerificationOutcome.Locked.class);
    }

    @Test
    void upgradeWhenDevicesThenSameIdsOwnersAndSecretsAndACodeIsAcceptedOnce() {
        assertThat(jdbc.sql("select account_id from otpgate_totp_device where id = ?").param(written.aliceTotp())
                .query(Long.class).single()).isEqualTo(written.alice());
        String code = Totp.defaults().generate(written.aliceSecret(), clock.instant());

        VerificationOutcome outcome = verification.verify(written.alice(), code, EnumSet.of(DeviceKind.TOTP),
                PendingSetups.NONE, null);

        assertThat(outcome).isEqualTo(new VerificationOutcome.Verified(
                new DeviceRef(DeviceKind.TOTP, written.aliceTotp()), false));
        assertThat(account(written.alice())).containsEntry("failure_count", 0);
        clock.advance(Duration.ofSeconds(20));
        assertThat(verification.verify(written.alice(), code, EnumSet.of(DeviceKind.TOTP), PendingSetups.NONE, null))
                .isInstanceOf(VerificationOutcome.Replayed.class);
        assertThat(jdbc.sql("select count(*) from otpgate_static_token where device_id = ?")
                .param(written.aliceStatic()).query(Long.class).single()).isEqualTo(2);
    }

    @Test
    void upgradeWhenNewRowsThenTheirIdsFollowTheCopiedOnes() {
        long device = enrolment.enrol(users.require("carol"), "second", true, null).device().id();
        long user = users.create(NewUser.named("dave"), "correct horse battery").id();
        long codes = recoveryCodes.issue(written.carol(), 3, false, null).device().id();

        assertThat(device).isGreaterThan(Math.max(written.aliceTotp(), written.carolTotp()));
        assertThat(codes).isGreaterThan(written.aliceStatic());
        assertThat(account(user)).containsEntry("user_key", "dave").containsEntry("failure_count", 0);
    }

    @Test
    void upgradeWhenAUserIsDeletedThenTheirAccountAndDevicesGoWithThem() {
        long carol = users.create(NewUser.named("erin"), "correct horse battery").id();
        enrolment.enrol(users.require("erin"), "phone", true, null);

        jdbc.sql("delete from auth_user where id = ?").param(carol).update();

        assertThat(jdbc.sql("select count(*) from otpgate_account where id = ?").param(carol).query(Long.class)
                .single()).isZero();
        assertThat(jdbc.sql("select count(*) from otpgate_totp_device where account_id = ?").param(carol)
                .query(Long.class).single()).isZero();
    }

    private Map<String, Object> account(long id) {
        return jdbc.sql("select user_key, failure_count, locked_at from otpgate_account where id = ?").param(id)
                .query((rs, n) -> Map.<String, Object>of("user_key", rs.getString(1), "failure_count", rs.getInt(2),
                        "locked", rs.getObject(3) != null))
                .single();
    }

    /** Writes the last release's schema and rows, as that release wrote them, into an empty database. */
    static Written writeLastRelease(String url, String username, String password) {
        Flyway.configure().dataSource(url, username, password).target("3").load().migrate();
        SecureRandom random = new SecureRandom();
        OtpSecret aliceSecret = OtpSecret.generate(HmacAlgorithm.SHA1, random);
        OtpSecret bobSecret = OtpSecret.generate(HmacAlgorithm.SHA1, random);
        OtpSecret carolSecret = OtpSecret.generate(HmacAlgorithm.SHA1, random);
        try (Connection db = DriverManager.getConnection(url, username, password)) {
            long alice = user(db, "alice", 3, null);
            long bob = user(db, "bob", 100, WRITTEN);
            long carol = user(db, "carol", 0, null);
            long dan = user(db, "dan", 3, null);
            try (PreparedStatement insert = db.prepareStatement("insert into security_event (occurred_at, kind, "
                    + "user_id, username, device, client_address, detail) values (?, 'OTP_FAILED', ?, 'dan', "
                    + "'totp/1', '192.0.2.7', 'failure 3 of 100')")) {
                insert.setTimestamp(1, Timestamp.from(WRITTEN));
                insert.setLong(2, dan);
                insert.executeUpdate();
            }
            nextval(db, "totp_device_id_seq");
            nextval(db, "totp_device_id_seq");
            long aliceTotp = totp(db, alice, aliceSecret);
            long carolTotp = totp(db, carol, carolSecret);
            nextval(db, "hotp_device_id_seq");
            long bobHotp = nextval(db, "hotp_device_id_seq");
            try (PreparedStatement insert = db.prepareStatement("""
                    insert into hotp_device (id, user_id, name, confirmed, sealed_secret, algorithm, digits,
                        tolerance, counter, created_at) values (?, ?, 'token', true, ?, 'SHA1', 6, 2, 5, ?)""")) {
                insert.setLong(1, bobHotp);
                insert.setLong(2, bob);
                insert.setBytes(3, seal(bobSecret.exposeBytes(), "hotp_device.sealed_secret:" + bobHotp, random));
                insert.setTimestamp(4, Timestamp.from(WRITTEN));
                insert.executeUpdate();
            }
            long aliceStatic;
            try (PreparedStatement insert = db.prepareStatement("insert into static_device (user_id, name, confirmed, "
                    + "created_at) values (?, 'Backup', true, ?)", Statement.RETURN_GENERATED_KEYS)) {
                insert.setLong(1, alice);
                insert.setTimestamp(2, Timestamp.from(WRITTEN));
                insert.executeUpdate();
                aliceStatic = generatedId(insert);
            }
            for (int i = 0; i < 2; i++) {
                try (PreparedStatement insert = db.prepareStatement(
                        "insert into static_token (device_id, digest) values (?, ?)")) {
                    byte[] digest = new byte[32];
                    random.nextBytes(digest);
                    insert.setLong(1, aliceStatic);
                    insert.setBytes(2, digest);
                    insert.executeUpdate();
                }
            }
            return new Written(alice, bob, carol, dan, aliceTotp, bobHotp, carolTotp, aliceStatic, aliceSecret, bobSecret);
        } catch (SQLException e) {
            throw new IllegalStateException("could not write the last release's rows", e);
        }
    }

    private static long user(Connection db, String name, int failures, Instant lockedAt) throws SQLException {
        long id;
        try (PreparedStatement insert = db.prepareStatement("insert into auth_user (username, password, date_joined, "
                + "otp_failure_count, otp_locked_at) values (?, 'unusable', ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            insert.setString(1, name);
            insert.setTimestamp(2, Timestamp.from(WRITTEN));
            insert.setInt(3, failures);
            insert.setTimestamp(4, lockedAt == null ? null : Timestamp.from(lockedAt));
            insert.executeUpdate();
            id = generatedId(insert);
        }
        try (PreparedStatement insert = db.prepareStatement("insert into user_profile (user_id, created_at, updated_at, "
                + "is_otp_enabled) values (?, ?, ?, true)")) {
            insert.setLong(1, id);
            insert.setTimestamp(2, Timestamp.from(WRITTEN));
            insert.setTimestamp(3, Timestamp.from(WRITTEN));
            insert.executeUpdate();
        }
        return id;
    }

    private static long totp(Connection db, long user, OtpSecret secret) throws SQLException {
        long id = nextval(db, "totp_device_id_seq");
        try (PreparedStatement insert = db.prepareStatement("""
                insert into totp_device (id, user_id, name, confirmed, sealed_secret, algorithm, digits, period, t0,
                    tolerance, drift, last_step, throttling_failure_count, throttling_failure_timestamp, created_at)
                values (?, ?, 'phone', true, ?, 'SHA1', 6, 30, 0, 1, 0, ?, 2, ?, ?)""")) {
            insert.setLong(1, id);
            insert.setLong(2, user);
            insert.setBytes(3, seal(secret.exposeBytes(), "totp_device.sealed_secret:" + id, new SecureRandom()));
            insert.setLong(4, WRITTEN.getEpochSecond() / 30);
            insert.setTimestamp(5, Timestamp.from(WRITTEN));
            insert.setTimestamp(6, Timestamp.from(WRITTEN));
            insert.executeUpdate();
        }
        return id;
    }

    private static long nextval(Connection db, String sequence) throws SQLException {
        try (Statement query = db.createStatement(); ResultSet next = query.executeQuery(
                "select nextval('" + sequence + "')")) {
            next.next();
            return next.getLong(1);
        }
    }

    private static long generatedId(PreparedStatement insert) throws SQLException {
        try (ResultSet keys = insert.getGeneratedKeys()) {
            keys.next();
            return keys.getLong("id");
        }
    }

    /**
     * A value sealed as the last release sealed it, written out here rather than by the server's code: version 1, key
     * id 1, a 12-byte nonce, AES-256-GCM with the associated data {@code table.column:row}.
     */
    private static byte[] seal(byte[] plaintext, String associatedData, SecureRandom random) {
        try {
            byte[] nonce = new byte[12];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(TEST_KEY, "AES"), new GCMParameterSpec(128, nonce));
            cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(1 + 4 + 12 + sealed.length).put((byte) 1).putInt(1).put(nonce).put(sealed)
                    .array();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
