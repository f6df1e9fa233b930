package io.otpgate.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.otpgate.core.Base32;

/**
 * Base32 (RFC 4648 §6) on arbitrary input: bytes survive encode-then-decode, and decoding any text either gives the
 * bytes a plain reference decoder gives, or an {@link IllegalArgumentException}, never anything else.
 */
class Base32FuzzTest {

    @FuzzTest
    void encodeThenDecodeGivesTheBytes(byte[] data) {
        String text = Base32.encode(data);

        assertThat(text).matches("[A-Z2-7]*").hasSize((data.length * 8 + 4) / 5);
        assertThat(Base32.decode(text)).isEqualTo(data);
    }

    @FuzzTest
    void decodeArbitraryTextAgreesWithReference(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        byte[] expected = ReferenceBase32.decode(text);
        byte[] decoded;
        try {
            decoded = Base32.decode(text);
        } catch (IllegalArgumentException refused) {
            assertThat(expected).as("refused text that the reference decodes").isNull();
            return;
        }
        assertThat(decoded).as("decoded text that the reference refuses").isNotNull().isEqualTo(expected);
    }
}
