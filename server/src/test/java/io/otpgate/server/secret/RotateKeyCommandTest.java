package io.otpgate.server.secret;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.otpgate.server.cli.Commands;
import io.otpgate.spring.secret.KeyFile;
import io.otpgate.spring.secret.SecretBox;
import io.otpgate.spring.secret.SealedColumn;
import io.otpgate.spring.secret.KeyRing;

/** {@code otpgate rotate-key} on the embedded default (a key file): what it prints, and never a key. */
class RotateKeyCommandTest {

    @TempDir Path directory;

    int run(Map<String, Object> properties, ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
        return Commands.run(args, properties, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void rotateKeyWhenKeyFileThenNewKeyAndTheSummaryWithoutKeys() throws Exception {
        Path keyFile = directory.resolve("otpgate.key");
        Map<String, Object> properties = Map.of("spring.datasource.url", "jdbc:h2:mem:t"
                        + UUID.randomUUID().toString().replace("-", "")
                        + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH",
                "spring.datasource.username", "sa", "spring.datasource.password", "",
                "otpgate.secrets.keys", "", "otpgate.secrets.key-file", keyFile.toString());
        // A first rotation starts from the key file the application makes (key 1), with nothing to re-seal.
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(run(properties, first, err, "rotate-key")).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(first.toString(StandardCharsets.UTF_8)).startsWith("Rotated from key 1 to the new key 2 in "
                + keyFile + ".\nRe-sealed 0 values:\n");
        // A sealed value under key 2, written beside the application (the in-memory database outlives the command).
        KeyRing before = KeyFile.read(keyFile);
        byte[] sealed = new SecretBox(before, new SecureRandom()).seal(new byte[32], SealedColumn.SERVER_KEY, 1);
        try (Connection connection = DriverManager.getConnection((String) properties.get("spring.datasource.url"),
                "sa", "");
                PreparedStatement insert = connection.prepareStatement(
                        "insert into otpgate_server_key (id, name, sealed_key, created_at) values (1, 'recovery-digest', ?, "
                                + "current_timestamp)")) {
            insert.setBytes(1, sealed);
            insert.executeUpdate();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        int exitCode = run(properties, out, err, "rotate-key");

        assertThat(exitCode).as(err.toString(StandardCharsets.UTF_8)).isZero();
        KeyRing after = KeyFile.read(keyFile);
        assertThat(after.ids()).containsExactly(3);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("""
                Rotated from key 2 to the new key 3 in %s.
                Re-sealed 1 value:
                  otpgate_totp_device.sealed_secret: 0
                  otpgate_hotp_device.sealed_secret: 0
                  otpgate_server_key.sealed_key: 1
                  user_oauth_profile.sealed_oauth_credentials: 0
                Removed from the key file: key 2. Running servers read the new key file within a second. Back up \
                the new key file with the database.
                """.formatted(keyFile))
                .doesNotContain(Base64.getEncoder().encodeToString(before.key(2).getEncoded()))
                .doesNotContain(Base64.getEncoder().encodeToString(after.key(3).getEncoded()));
        assertThat(Files.readString(keyFile)).contains("\n3:");
    }
}
