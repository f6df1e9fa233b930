package io.otpgate.server.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.spring.device.PendingSetups;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.server.system.TestClock;
import io.otpgate.server.system.TestDatabases;
import io.otpgate.spring.totp.TotpEnrolment;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.OAuthProfileRepository;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import io.otpgate.spring.secret.KeyRotation;
import io.otpgate.spring.secret.SecretBox;
import io.otpgate.spring.secret.SealedColumn;
import io.otpgate.spring.secret.KeyRing;

/** {@code rotate-key} in production: keys from {@code otpgate.secrets.keys}; no key is made, none is written. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@Import(TestClock.Config.class)
class KeyRotationWithConfiguredKeysTest {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.h2(registry);
    }

    @Autowired KeyRotation rotation;
    @Autowired SecretBox box;
    @Autowired UserService userService;
    @Autowired TotpEnrolment enrolment;
    @Autowired OAuthProfileRepository oauthProfiles;
    @Autowired VerificationService verification;
    @Autowired JdbcClient jdbc;
    @Autowired TestClock clock;

    private static int users;

    OtpSecret userWithDevice() {
        User user = userService.create(NewUser.named("configured" + (++users)), "a password of otpgate");
        oauthProfiles.insert(user.id(), "github", "https://example.invalid/oauth", "gho_" + user.id());
        return enrolment.enrol(user, "phone", true, null).uri().secret();
    }

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

    @Test
    void rotateWhenANewKeyIsConfiguredFirstThenEverythingMovesToItAndTheOldKeyIsNamed() {
        OtpSecret secret = userWithDevice();
        KeyRing configured = box.keyRing();
        // The operator puts a new key first in OTPGATE_SECRETS_KEYS and restarts.
        KeyRing next = configured.withNewPrimary(new SecureRandom());
        box.useKeyRing(next);

        KeyRotation.Summary summary = rotation.rotate();

        assertThat(summary.keyFile()).isNull();
        assertThat(summary.primaryId()).isEqualTo(next.primaryId());
        assertThat(summary.previousPrimaryId()).isEqualTo(next.primaryId());
        assertThat(summary.retiredKeyIds()).isEqualTo(configured.ids());
        assertThat(summary.resealed()).containsEntry(SealedColumn.TOTP_SECRET,
                jdbc.sql("select count(*) from otpgate_totp_device").query(Integer.class).single());
        assertThat(summary.total()).isPositive();
        assertThat(box.keyRing()).as("no key made, none dropped").isSameAs(next);
        assertThat(sealedValues().values()).allSatisfy(hex -> assertThat(
                SecretBox.keyIdOf(HexFormat.of().parseHex(hex))).isEqualTo(next.primaryId()));
        clock.advance(Duration.ofSeconds(30));
        assertThat(verification.verify(jdbc.sql("select max(id) from auth_user").query(Long.class).single(),
                Totp.defaults().generate(secret, clock.instant()), EnumSet.of(DeviceKind.TOTP), PendingSetups.NONE, null))
                .isInstanceOf(VerificationOutcome.Verified.class);

        KeyRotation.Summary again = rotation.rotate();

        assertThat(again.total()).isZero();
        assertThat(again.retiredKeyIds()).isEqualTo(configured.ids());
    }

    @Test
    void rotateWhenAValueIsUnderAKeyNotConfiguredThenRefusedAndNothingChanged() {
        userWithDevice();
        KeyRing configured = box.keyRing();
        Map<String, String> before = sealedValues();
        // A configuration that forgot the key in use.
        box.useKeyRing(KeyRing.parse((configured.primaryId() + 10) + ":" + KeyRingTest.KEY_2));
        try {
            OtpgateException refused = catchThrowableOfType(OtpgateException.class, rotation::rotate);

            assertThat(refused).isNotNull();
            assertThat(refused.reason()).isEqualTo(OtpgateException.Reason.CONFLICT);
            assertThat(refused.getMessage()).startsWith("key rotation failed, nothing was re-sealed: ")
                    .contains("is sealed under key " + configured.primaryId() + ", which is not in the key ring")
                    .doesNotContain(KeyRingTest.KEY_2);
            assertThat(sealedValues()).isEqualTo(before);
        } finally {
            box.useKeyRing(configured);
        }
    }

    /** Every sealed column of the server: the library's and its own. */
    static final java.util.List<SealedColumn> SEALED_COLUMNS = java.util.stream.Stream.concat(
            SealedColumn.LIBRARY.stream(), java.util.stream.Stream.of(OAuthProfileRepository.SEALED_CREDENTIALS))
            .toList();
}
