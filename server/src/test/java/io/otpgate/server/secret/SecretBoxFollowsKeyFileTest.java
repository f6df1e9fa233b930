package io.otpgate.server.secret;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.otpgate.server.user.OAuthProfileRepository;
import io.otpgate.spring.secret.KeyFile;
import io.otpgate.spring.secret.SecretBox;
import io.otpgate.spring.secret.SealedColumn;
import io.otpgate.spring.secret.KeyRing;

/** A server that did not run rotate-key follows the key file that another process rewrote. */
class SecretBoxFollowsKeyFileTest {

    static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;

    @Test
    void openWhenAnotherProcessRotatedThenNewKeyReadAtOnceAndUsedForSealingSoon() {
        Path file = dir.resolve("otpgate.key");
        KeyRing first = KeyRing.generate(RANDOM);
        KeyFile.write(file, first);
        SecretBox server = new SecretBox(KeyFile.read(file), RANDOM, file);
        byte[] old = server.seal("old".getBytes(StandardCharsets.UTF_8), OAuthProfileRepository.SEALED_CREDENTIALS, 1);

        // rotate-key in another process: the file now holds a new primary key beside the old one.
        KeyRing rotated = first.withNewPrimary(RANDOM);
        KeyFile.write(file, rotated);
        byte[] fresh = new SecretBox(rotated, RANDOM).seal("new".getBytes(StandardCharsets.UTF_8),
                OAuthProfileRepository.SEALED_CREDENTIALS, 2);

        // An unknown key id makes the server read the file at once.
        assertThat(server.openText(fresh, OAuthProfileRepository.SEALED_CREDENTIALS, 2)).isEqualTo("new");
        assertThat(server.openText(old, OAuthProfileRepository.SEALED_CREDENTIALS, 1)).isEqualTo("old");
        assertThat(SecretBox.keyIdOf(server.seal(new byte[1], OAuthProfileRepository.SEALED_CREDENTIALS, 3)))
                .isEqualTo(rotated.primaryId());

        // Then the old key leaves the file; the server drops it once it looks again.
        KeyFile.write(file, rotated.primaryOnly());
        long deadline = System.nanoTime() + 10 * SecretBox.KEY_FILE_CHECK_INTERVAL.toNanos();
        while (server.keyRing().size() != 1 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(server.keyRing().ids()).containsExactly(rotated.primaryId());
    }

    @Test
    void sealWhenKeysFromConfigurationThenNoFileIsFollowed() {
        KeyRing ring = KeyRing.generate(RANDOM);
        SecretBox box = new SecretBox(ring, RANDOM);

        assertThat(SecretBox.keyIdOf(box.seal(new byte[1], SealedColumn.TOTP_SECRET, 1))).isEqualTo(ring.primaryId());
        assertThat(box.keyRing()).isSameAs(ring);
    }
}
