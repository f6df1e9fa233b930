package io.otpgate.server.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.spring.device.PendingSetups;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.spring.recovery.RecoveryCodeService;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.server.system.TestClock;
import io.otpgate.spring.totp.TotpEnrolment;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.OAuthProfileRepository;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import io.otpgate.spring.secret.KeyFile;
import io.otpgate.spring.secret.KeyRotation;
import io.otpgate.spring.secret.SecretBox;
import io.otpgate.spring.secret.SealedColumn;
import io.otpgate.spring.secret.SealedValueException;
import io.otpgate.spring.secret.KeyRing;

/**
 * {@code rotate-key} on the embedded default: keys in a key file (no {@code otpgate.secrets.keys}), on H2.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@Import(TestClock.Config.class)
class KeyRotationWithKeyFileTest {

    static final Set<DeviceKind> TOTP = EnumSet.of(DeviceKind.TOTP);
    static final Set<DeviceKind> STATIC = EnumSet.of(DeviceKind.STATIC);

    @TempDir
    static Path keyDirectory;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        // As TestDatabases.h2, but the keys come from a key file that the application makes on first start.
        String name = "t" + UUID.randomUUID().toString().replace("-", "");
        registry.add("spring.datasource.url", () -> "jdbc:h2:mem:" + name
                + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
        registry.add("spring.datasource.username", () -> "sa");
        registry.add("spring.datasource.password", () -> "");
        registry.add("otpgate.secrets.keys", () -> "");
        registry.add("otpgate.secrets.key-file", () -> keyFile().toString());
    }

    static Path keyFile() {
        return keyDirectory.resolve("otpgate.key");
    }

    @Autowired KeyRotation rotation;
    @Autowired SecretBox box;
    @Autowired UserService userService;
    @Autowired TotpEnrolment enrolment;
    @Autowired RecoveryCodeService recoveryCodes;
    @Autowired OAuthProfileRepository oauthProfiles;
    @Autowired VerificationService verification;
    @Autowired SecurityEvents events;
    @Autowired JdbcClient jdbc;
    @Autowired TestClock clock;

    private static int users;

    /** A user with two TOTP devices, recovery codes and an OAuth profile. */
    record Fixture(User user, List<OtpSecret> totp, List<String> codes, long oauthProfile) {
    }

    Fixture fixture() {
        User user = userService.create(NewUser.named("rotation" + (++users)), "a password of otpgate");
        List<OtpSecret> totp = List.of(enrolment.enrol(user, "phone", true, null).uri().secret(),
                enrolment.enrol(user, "tablet", true, null).uri().secret());
        List<String> codes = recoveryCodes.issue(user.id(), 3, false, null).codes();
        long oauth = oauthProfiles.insert(user.id(), "github", "https://example.invalid/oauth", "gho_" + user.id());
        return new Fixture(user, totp, codes, oauth);
    }

    /** Every sealed value as stored, by column and row: "table.column:id" to hex. */
    Map<String, String> sealedValues() {
        Map<String, String> values = new LinkedHashMap<>();
        for (SealedColumn column : SEALED_COLUMNS) {
            jdbc.sql("select " + column.idColumn() + ", " + column.column() + " from " + column.table() + " order by 1")
                    .query((rs, n) -> values.put(column + ":" + rs.getLong(1),
                            HexFormat.of().formatHex(rs.getBytes(2))))
                    .list();
        }
        return values;
    }

    /** Every sealed value opened with the box, by column and row. */
    Map<String, String> openedValues(SecretBox with) {
        Map<String, String> opened = new LinkedHashMap<>();
        for (SealedColumn column : SEALED_COLUMNS) {
            jdbc.sql("select " + column.idColumn() + ", " + column.column() + " from " + column.table() + " order by 1")
                    .query((rs, n) -> opened.put(column + ":" + rs.getLong(1),
                            HexFormat.of().formatHex(with.open(rs.getBytes(2), column, rs.getLong(1)))))
                    .list();
        }
        return opened;
    }

    int rows(SealedColumn column) {
        return jdbc.sql("select count(*) from " + column.table()).query(Integer.class).single();
    }

    void assertVerifies(Fixture fixture, int code) {
        for (OtpSecret secret : fixture.totp()) {
            // Each device takes the code of a later step: a code is accepted once, whichever device it matches.
            clock.advance(java.time.Duration.ofSeconds(30));
            assertThat(verification.verify(fixture.user().id(), Totp.defaults().generate(secret, clock.instant()),
                    TOTP, PendingSetups.NONE, null)).isInstanceOf(VerificationOutcome.Verified.class);
        }
        assertThat(verification.verify(fixture.user().id(), fixture.codes().get(code), STATIC, PendingSetups.NONE,
                null))
                .isInstanceOf(VerificationOutcome.Verified.class);
    }

    @Test
    void rotateWhenKeyFileThenEveryValueIsResealedUnderANewKeyAndTheOldKeyIsGone() throws Exception {
        Fixture alice = fixture();
        Fixture bob = fixture();
        assertVerifies(alice, 0);
        KeyRing before = KeyFile.read(keyFile());
        Map<String, String> plaintexts = openedValues(box);
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (SealedColumn column : SEALED_COLUMNS) {
            counts.put(column.toString(), rows(column));
        }

        KeyRotation.Summary summary = rotation.rotate();

        KeyRing after = KeyFile.read(keyFile());
        assertThat(after.size()).isEqualTo(1);
        assertThat(after.primaryId()).isNotIn(before.ids()).isEqualTo(summary.primaryId());
        String fileText = Files.readString(keyFile(), StandardCharsets.UTF_8);
        for (int id : before.ids()) {
            assertThat(fileText).doesNotContain(Base64.getEncoder().encodeToString(before.key(id).getEncoded()));
        }
        assertThat(summary.previousPrimaryId()).isEqualTo(before.primaryId());
        assertThat(summary.retiredKeyIds()).isEqualTo(before.ids());
        assertThat(summary.keyFile()).isEqualTo(keyFile());
        assertThat(summary.oldKeysKept()).isFalse();
        Map<String, Integer> resealed = new LinkedHashMap<>();
        summary.resealed().forEach((column, n) -> resealed.put(column.toString(), n));
        assertThat(resealed).isEqualTo(counts);
        assertThat(counts.get("otpgate_totp_device.sealed_secret")).isGreaterThanOrEqualTo(4);
        assertThat(counts.get("otpgate_server_key.sealed_key")).isGreaterThanOrEqualTo(1);

        // Every stored value names the new key, and none opens with an old key, even under the new key's id.
        for (SealedColumn column : SEALED_COLUMNS) {
            jdbc.sql("select " + column.idColumn() + ", " + column.column() + " from " + column.table())
                    .query((rs, n) -> {
                        byte[] sealed = rs.getBytes(2);
                        assertThat(SecretBox.keyIdOf(sealed)).as(column + " row " + rs.getLong(1))
                                .isEqualTo(after.primaryId());
                        for (int id : before.ids()) {
                            SecretBox oldKey = new SecretBox(KeyRing.parse(after.primaryId() + ":"
                                    + Base64.getEncoder().encodeToString(before.key(id).getEncoded())),
                                    new java.security.SecureRandom());
                            org.assertj.core.api.Assertions.assertThatThrownBy(
                                    () -> oldKey.open(sealed, column, rs.getLong(1)))
                                    .isInstanceOf(SealedValueException.class);
                        }
                        return null;
                    }).list();
        }
        // Same secrets, the running box uses the new ring, and everything still works (the recovery-digest key in
        // server_key was re-sealed, not changed).
        assertThat(openedValues(new SecretBox(after, new java.security.SecureRandom()))).isEqualTo(plaintexts);
        assertThat(box.keyRing().ids()).containsExactly(after.primaryId());
        assertVerifies(alice, 1);
        assertVerifies(bob, 0);
        assertThat(oauthProfiles.findByUser(bob.user().id())).singleElement()
                .satisfies(p -> assertThat(p.credentials()).isEqualTo("gho_" + bob.user().id()));
        assertThat(events.list(null, SecurityEventKind.KEY_ROTATED, null, null, 10)).first()
                .satisfies(e -> assertThat(e.detail()).contains("re-sealed under key " + after.primaryId(),
                        "otpgate_totp_device.sealed_secret " + counts.get("otpgate_totp_device.sealed_secret")));
    }

    @Test
    void rotateWhenAValueDoesNotOpenThenTheDatabaseIsUnchangedAndTheKeyFileStillOpensEverything() throws Exception {
        Fixture carol = fixture();
        byte[] original = jdbc.sql("select sealed_oauth_credentials from user_oauth_profile where id = ?")
                .param(carol.oauthProfile()).query(byte[].class).single();
        byte[] corrupted = original.clone();
        corrupted[corrupted.length - 1] ^= 0x01;
        jdbc.sql("update user_oauth_profile set sealed_oauth_credentials = ? where id = ?")
                .params(corrupted, carol.oauthProfile()).update();
        Map<String, String> stored = sealedValues();
        KeyRing before = KeyFile.read(keyFile());
        long events = jdbc.sql("select count(*) from otpgate_security_event").query(Long.class).single();

        OtpgateException refused = catchThrowableOfType(OtpgateException.class, rotation::rotate);

        assertThat(refused).isNotNull();
        assertThat(refused.reason()).isEqualTo(OtpgateException.Reason.CONFLICT);
        assertThat(refused.getMessage()).contains("key rotation failed, nothing was re-sealed",
                "user_oauth_profile.sealed_oauth_credentials of row " + carol.oauthProfile() + " does not open",
                "holds the new key").doesNotContain("\n");
        assertThat(sealedValues()).as("the database is unchanged").isEqualTo(stored);
        assertThat(jdbc.sql("select count(*) from otpgate_security_event").query(Long.class).single()).isEqualTo(events);
        // The file holds the new key and the old ones: it opens every value, as before (but the altered one).
        KeyRing file = KeyFile.read(keyFile());
        assertThat(file.ids()).hasSize(before.size() + 1).containsAll(before.ids());
        jdbc.sql("update user_oauth_profile set sealed_oauth_credentials = ? where id = ?")
                .params(original, carol.oauthProfile()).update();
        assertThat(openedValues(new SecretBox(file, new java.security.SecureRandom())))
                .isEqualTo(openedValues(new SecretBox(before, new java.security.SecureRandom())));
        assertVerifies(carol, 0);
    }

    /** Every sealed column of the server: the library's and its own. */
    static final java.util.List<SealedColumn> SEALED_COLUMNS = java.util.stream.Stream.concat(
            SealedColumn.LIBRARY.stream(), java.util.stream.Stream.of(OAuthProfileRepository.SEALED_CREDENTIALS))
            .toList();
}
