package io.otpgate.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OtpSecretTest {

    private final SecureRandom random = new SecureRandom();

    @ParameterizedTest
    @CsvSource({"SHA1, 20", "SHA256, 32", "SHA512, 64"})
    void generateWhenAlgorithmGivenThenRfc6238Length(HmacAlgorithm algorithm, int length) {
        assertThat(OtpSecret.generate(algorithm, random).length()).isEqualTo(length);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 1, 15, 1025})
    void generateWhenLengthOutOfRangeThenRefused(int length) {
        assertThatThrownBy(() -> OtpSecret.generate(length, random))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("secret length must be 16..1024, got " + length);
    }

    @Test
    void generateWhenCalledTwiceThenDifferentSecrets() {
        assertThat(OtpSecret.generate(16, random)).isNotEqualTo(OtpSecret.generate(16, random));
    }

    @Test
    void toStringWhenPrintedThenNoBytes() {
        OtpSecret secret = OtpSecret.fromHex("3132333435363738393031323334353637383930");

        assertThat(secret).hasToString("OtpSecret[20 bytes, PROTECTED]");
        assertThat(String.valueOf(secret)).doesNotContain("3132", "GEZDG", "1234");
    }

    @Test
    void ofBytesWhenSourceChangedLaterThenSecretUnchanged() {
        byte[] bytes = {1, 2, 3, 4};
        OtpSecret secret = OtpSecret.ofBytes(bytes);
        bytes[0] = 9;

        assertThat(secret.exposeBytes()).containsExactly(1, 2, 3, 4);
        secret.exposeBytes()[1] = 9;
        assertThat(secret.exposeBytes()).containsExactly(1, 2, 3, 4);
    }

    @Test
    void exposeWhenEncodedThenHexAndBase32OfSameBytes() {
        OtpSecret secret = OtpSecret.fromBase32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");

        assertThat(secret.exposeHex()).isEqualTo("3132333435363738393031323334353637383930");
        assertThat(OtpSecret.fromHex(secret.exposeHex())).isEqualTo(secret);
        assertThat(secret.exposeBase32()).isEqualTo("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    @Test
    void fromTextWhenMalformedThenMessageHasNoSecret() {
        assertThatThrownBy(() -> OtpSecret.fromBase32("JBSWY3DPEHPK3PX!"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("JBSW");
        assertThatThrownBy(() -> OtpSecret.fromHex("3132333g"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("3132");
        assertThatThrownBy(() -> OtpSecret.fromHex(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("secret must not be empty");
        assertThatThrownBy(() -> OtpSecret.fromBase32("===="))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("secret must not be empty");
        assertThatThrownBy(() -> OtpSecret.ofBytes(new byte[1025]))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("secret must be at most 1024 bytes, got 1025");
        assertThatThrownBy(() -> OtpSecret.ofBytes(null))
                .isInstanceOf(NullPointerException.class).hasMessage("secret cannot be null");
    }

    @Test
    void equalsWhenSameBytesThenEqualAndHashReflectsLengthOnly() {
        OtpSecret a = OtpSecret.fromHex("00112233445566778899aabbccddeeff");
        OtpSecret b = OtpSecret.fromHex("00112233445566778899AABBCCDDEEFF");
        OtpSecret c = OtpSecret.fromHex("ff112233445566778899aabbccddeeff");

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c).hasSameHashCodeAs(c);
    }
}
