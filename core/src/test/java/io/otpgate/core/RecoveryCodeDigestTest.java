package io.otpgate.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RecoveryCodeDigestTest {

    /** RFC 4231 test cases 6 and 7: a 131-byte key of 0xaa (longer than a block), HMAC-SHA-256. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            Test Using Larger Than Block-Size Key - Hash Key First | 60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54
            This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm. | 9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2
            """)
    void digestWhenRfc4231VectorsThenExpectedMac(String data, String mac) {
        byte[] key = new byte[131];
        Arrays.fill(key, (byte) 0xaa);

        assertThat(new RecoveryCodeDigest(OtpSecret.ofBytes(key)).digestHex(data)).isEqualTo(mac);
    }

    @Test
    void digestWhenSameCodeThenSameDigestAndOtherKeyGivesOther() {
        SecureRandom random = new SecureRandom();
        RecoveryCodeDigest one = new RecoveryCodeDigest(OtpSecret.generate(32, random));
        RecoveryCodeDigest other = new RecoveryCodeDigest(OtpSecret.generate(32, random));
        String code = RecoveryCodes.defaults().normalize("abcd-efgh-jkmn-pqrs").orElseThrow();

        assertThat(one.digest(code)).hasSize(32).isEqualTo(one.digest(code)).isNotEqualTo(other.digest(code));
        assertThat(one.digestHex(code)).hasSize(64).doesNotContain(code);
    }

    @Test
    void constructorWhenKeyShortThenRefused() {
        assertThatThrownBy(() -> new RecoveryCodeDigest(OtpSecret.generate(16, new SecureRandom())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("recovery code digest key must be at least 32 bytes, got 16");
    }

    @Test
    void toStringWhenPrintedThenNoKey() {
        assertThat(new RecoveryCodeDigest(OtpSecret.generate(32, new SecureRandom())))
                .hasToString("RecoveryCodeDigest[HMAC-SHA-256, key PROTECTED]");
    }
}
