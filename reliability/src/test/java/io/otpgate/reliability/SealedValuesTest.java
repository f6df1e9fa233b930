package io.otpgate.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

/**
 * {@link SealedValues} opens the layout the server documents, and nothing else: another row, column or key id, or
 * one altered byte, gives nothing. (That it reads what the real server writes is shown by {@code CrashSafetyIT},
 * where every device's secret opens to the one its client was shown.)
 */
class SealedValuesTest {

    static final SecureRandom RANDOM = new SecureRandom();

    final byte[] key = bytes(32);
    final SealedValues values = new SealedValues(1, key);

    /** Version 1, key id, nonce, AES-256-GCM under "table.column:row". */
    byte[] seal(byte[] plaintext, int keyId, String aad) throws Exception {
        byte[] nonce = bytes(12);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        cipher.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
        byte[] sealed = cipher.doFinal(plaintext);
        return ByteBuffer.allocate(17 + sealed.length).put((byte) 1).putInt(keyId).put(nonce).put(sealed).array();
    }

    @Test
    void openWhenSealedForThatRowThenPlaintext() throws Exception {
        byte[] secret = bytes(20);

        assertThat(values.open(seal(secret, 1, "totp_device.sealed_secret:7"), "totp_device", "sealed_secret", 7))
                .hasValueSatisfying(opened -> assertThat(opened).isEqualTo(secret));
    }

    @Test
    void openWhenAnotherRowColumnKeyOrAlteredThenEmpty() throws Exception {
        byte[] sealed = seal(bytes(20), 1, "totp_device.sealed_secret:7");
        byte[] altered = sealed.clone();
        altered[altered.length - 1] ^= 1;

        assertThat(values.open(sealed, "totp_device", "sealed_secret", 8)).isEmpty();
        assertThat(values.open(sealed, "hotp_device", "sealed_secret", 7)).isEmpty();
        assertThat(values.open(altered, "totp_device", "sealed_secret", 7)).isEmpty();
        assertThat(values.open(seal(bytes(20), 2, "totp_device.sealed_secret:7"), "totp_device", "sealed_secret", 7))
                .isEmpty();
        assertThat(values.open(new byte[10], "totp_device", "sealed_secret", 7)).isEmpty();
        assertThat(values.open(null, "totp_device", "sealed_secret", 7)).isEmpty();
    }

    static byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
