package io.otpgate.server.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.otpgate.core.OtpSecret;
import io.otpgate.server.user.OAuthProfileRepository;
import io.otpgate.spring.secret.SecretBox;
import io.otpgate.spring.secret.SealedColumn;
import io.otpgate.spring.secret.SealedValueException;
import io.otpgate.spring.secret.KeyRing;

class SecretBoxTest {

    static final KeyRing RING = KeyRing.parse("1:" + KeyRingTest.KEY_1);
    static final SecureRandom RANDOM = new SecureRandom();

    final SecretBox box = new SecretBox(RING, RANDOM);

    @Test
    void sealWhenOpenedForTheSameColumnAndRowThenTheSameBytes() {
        OtpSecret secret = OtpSecret.fromHex("3132333435363738393031323334353637383930");

        byte[] sealed = box.seal(secret, SealedColumn.TOTP_SECRET, 7);

        assertThat(box.openSecret(sealed, SealedColumn.TOTP_SECRET, 7)).isEqualTo(secret);
        assertThat(sealed).hasSize(1 + 4 + 12 + 20 + 16);
        assertThat(SecretBox.keyIdOf(sealed)).isEqualTo(1);
        assertThat(HexFormat.of().formatHex(sealed)).doesNotContain("31323334353637383930");
    }

    @Test
    void sealTextWhenOpenedThenTheSameText() {
        String text = "gho_secret é ✓";

        assertThat(box.openText(box.sealText(text, OAuthProfileRepository.SEALED_CREDENTIALS, 1),
                OAuthProfileRepository.SEALED_CREDENTIALS, 1)).isEqualTo(text);
        assertThat(box.openText(box.sealText("", OAuthProfileRepository.SEALED_CREDENTIALS, 1),
                OAuthProfileRepository.SEALED_CREDENTIALS, 1)).isEmpty();
    }

    @Test
    void sealWhenTwiceThenDifferentCiphertexts() {
        byte[] plaintext = "same".getBytes(StandardCharsets.UTF_8);

        assertThat(box.seal(plaintext, SealedColumn.TOTP_SECRET, 1))
                .isNotEqualTo(box.seal(plaintext, SealedColumn.TOTP_SECRET, 1));
    }

    @Test
    void openWhenSealedForAnotherRowThenRefused() {
        byte[] sealed = box.seal(new byte[] {1, 2, 3}, SealedColumn.TOTP_SECRET, 1);

        assertThatThrownBy(() -> box.open(sealed, SealedColumn.TOTP_SECRET, 2))
                .isInstanceOf(SealedValueException.class)
                .hasMessage("otpgate_totp_device.sealed_secret of row 2 does not open: altered, or sealed for another row");
    }

    @Test
    void openWhenSealedForAnotherColumnThenRefused() {
        byte[] sealed = box.seal(new byte[] {1, 2, 3}, SealedColumn.TOTP_SECRET, 1);

        for (SealedColumn other : new SealedColumn[] {SealedColumn.HOTP_SECRET, OAuthProfileRepository.SEALED_CREDENTIALS,
                SealedColumn.SERVER_KEY}) {
            assertThatThrownBy(() -> box.open(sealed, other, 1)).isInstanceOf(SealedValueException.class);
        }
    }

    @ParameterizedTest(name = "byte {0} changed")
    @CsvSource({"5, nonce", "17, ciphertext", "19, ciphertext", "21, tag", "35, tag"})
    void openWhenAByteIsChangedThenRefused(int index, String part) {
        byte[] sealed = box.seal(new byte[] {1, 2, 3, 4}, SealedColumn.HOTP_SECRET, 3);
        sealed[index] ^= 0x01;

        assertThatThrownBy(() -> box.open(sealed, SealedColumn.HOTP_SECRET, 3))
                .as(part).isInstanceOf(SealedValueException.class).hasMessageContaining("does not open");
    }

    @Test
    void openWhenTheKeyIdIsChangedToAnotherKeyOfTheRingThenRefused() {
        SecretBox two = new SecretBox(KeyRing.parse("2:" + KeyRingTest.KEY_2 + ",1:" + KeyRingTest.KEY_1), RANDOM);
        byte[] sealed = two.seal(new byte[] {1}, SealedColumn.TOTP_SECRET, 1);
        sealed[4] = 1;

        assertThatThrownBy(() -> two.open(sealed, SealedColumn.TOTP_SECRET, 1))
                .isInstanceOf(SealedValueException.class).hasMessageContaining("does not open");
    }

    @Test
    void openWhenTheKeyIdIsNotInTheRingThenRefusedNamingTheIdOnly() {
        SecretBox other = new SecretBox(KeyRing.parse("2:" + KeyRingTest.KEY_2), RANDOM);
        byte[] sealed = other.seal(new byte[] {1}, SealedColumn.SERVER_KEY, 1);

        assertThatThrownBy(() -> box.open(sealed, SealedColumn.SERVER_KEY, 1))
                .isInstanceOf(SealedValueException.class)
                .hasMessage("otpgate_server_key.sealed_key of row 1 is sealed under key 2, which is not in the key ring "
                        + "(KeyRing[primary 1, ids [1], keys PROTECTED])");
    }

    @Test
    void openWhenNotASealedValueThenRefused() {
        assertThatThrownBy(() -> box.open(null, SealedColumn.TOTP_SECRET, 1))
                .isInstanceOf(SealedValueException.class).hasMessageContaining("is not a sealed value");
        assertThatThrownBy(() -> box.open(new byte[20], SealedColumn.TOTP_SECRET, 1))
                .isInstanceOf(SealedValueException.class).hasMessageContaining("is not a sealed value");
        byte[] sealed = box.seal(new byte[] {1}, SealedColumn.TOTP_SECRET, 1);
        sealed[0] = 2;
        assertThatThrownBy(() -> box.open(sealed, SealedColumn.TOTP_SECRET, 1))
                .isInstanceOf(SealedValueException.class).hasMessageContaining("is not a sealed value");
    }

    @Test
    void useKeyRingWhenANewPrimaryThenOldValuesStillOpenAndNewOnesUseIt() {
        SecretBox rotating = new SecretBox(RING, RANDOM);
        byte[] old = rotating.seal(new byte[] {9}, SealedColumn.TOTP_SECRET, 1);

        rotating.useKeyRing(RING.withNewPrimary(RANDOM));

        assertThat(rotating.open(old, SealedColumn.TOTP_SECRET, 1)).containsExactly(9);
        assertThat(SecretBox.keyIdOf(rotating.seal(new byte[] {9}, SealedColumn.TOTP_SECRET, 1))).isEqualTo(2);
        rotating.useKeyRing(rotating.keyRing().primaryOnly());
        assertThatThrownBy(() -> rotating.open(old, SealedColumn.TOTP_SECRET, 1))
                .isInstanceOf(SealedValueException.class).hasMessageContaining("under key 1");
    }

    @Test
    void toStringThenNoKey() {
        assertThat(box.toString()).isEqualTo("SecretBox[AES-256-GCM, KeyRing[primary 1, ids [1], keys PROTECTED]]");
    }
}
