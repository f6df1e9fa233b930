package io.otpgate.server.secret;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import io.otpgate.core.Hotp;
import io.otpgate.core.OtpSecret;
import io.otpgate.spring.hotp.HotpDeviceRepository;
import io.otpgate.spring.recovery.RecoveryCodeService;
import io.otpgate.spring.totp.TotpEnrolment;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.OAuthProfileRepository;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;

/**
 * A database dump alone reveals no TOTP or HOTP secret, recovery code, OAuth credential or password, in any
 * common encoding. Subclasses make the dump ({@code SCRIPT} on H2, {@code pg_dump} on PostgreSQL).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = "logging.level.otpgate.security=WARN")
abstract class SecretsAtRestContract {

    static final String PASSWORD = "a password nobody guesses";

    @Autowired UserService users;
    @Autowired TotpEnrolment enrolment;
    @Autowired HotpDeviceRepository hotpDevices;
    @Autowired RecoveryCodeService recoveryCodes;
    @Autowired OAuthProfileRepository oauthProfiles;

    /** The whole database as text. */
    abstract String dump();

    @Test
    void dumpWhenSecretsStoredThenNoneAppearsInAnyEncoding() {
        List<String> known = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            User user = users.create(NewUser.named("dump-" + i + "-" + System.nanoTime()), PASSWORD);
            known.addAll(encodings(enrolment.enrol(user, "phone", i % 2 == 0, null).uri().secret()));
            OtpSecret hotpSecret = OtpSecret.generate(20, new SecureRandom());
            hotpDevices.insert(user.id(), "token", true, hotpSecret, Hotp.defaults(), 5, 0, java.time.Instant.now());
            known.addAll(encodings(hotpSecret));
            for (String code : recoveryCodes.issue(user.id(), 10, false, null).codes()) {
                known.add(code);
                known.add(code.replace("-", ""));
            }
            String credentials = "gho_credential_" + i + "_" + System.nanoTime();
            oauthProfiles.insert(user.id(), "github", "https://example.invalid/oauth", credentials);
            known.add(credentials);
            known.add(Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        known.add(PASSWORD);

        String dump = dump();

        // The dump has the rows (usernames and OAuth URLs are stored in clear), but no secret.
        assertThat(dump).contains("otpgate_totp_device").contains("otpgate_static_token").contains("dump-2-")
                .contains("https://example.invalid/oauth");
        String lowerDump = dump.toLowerCase(Locale.ROOT);
        for (String secret : known) {
            assertThat(lowerDump).as("a known secret in the dump").doesNotContain(secret.toLowerCase(Locale.ROOT));
        }
    }

    private static List<String> encodings(OtpSecret secret) {
        byte[] bytes = secret.exposeBytes();
        String base32 = secret.exposeBase32();
        return List.of(secret.exposeHex(), base32, base32.replace("=", ""),
                Base64.getEncoder().encodeToString(bytes), Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }
}
