package io.otpgate.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Base32Test {

    @ParameterizedTest(name = "BASE32(\"{0}\") = \"{1}\"")
    @CsvSource(quoteCharacter = '\'', textBlock = """
            '',       '',                 ''
            f,        MY======,           MY
            fo,       MZXQ====,           MZXQ
            foo,      MZXW6===,           MZXW6
            foob,     MZXW6YQ=,           MZXW6YQ
            fooba,    MZXW6YTB,           MZXW6YTB
            foobar,   MZXW6YTBOI======,   MZXW6YTBOI
            """)
    void encodeAndDecodeWhenRfc4648Section10ThenVectorsHold(String plain, String padded, String unpadded) {
        byte[] bytes = plain.getBytes(StandardCharsets.US_ASCII);

        assertThat(Base32.encode(bytes)).isEqualTo(unpadded);
        assertThat(Base32.decode(padded)).isEqualTo(bytes);
        assertThat(Base32.decode(unpadded)).isEqualTo(bytes);
        assertThat(Base32.decode(padded.toLowerCase())).isEqualTo(bytes);
    }

    @Test
    void decodeWhenSpacesAndMixedCaseThenIgnored() {
        byte[] expected = Base32.decode("JBSWY3DPEHPK3PXP");

        assertThat(Base32.decode("jbsw y3dp ehpk 3pxp")).isEqualTo(expected);
        assertThat(Base32.decode(" JbSw Y3dP eHpK 3PxP ")).isEqualTo(expected);
    }

    @Test
    void encodeWhenRandomBytesThenDecodeRoundTrips() {
        Random random = new Random(4648);
        for (int length = 0; length < 200; length++) {
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            String text = Base32.encode(bytes);
            assertThat(text).doesNotContain("=").matches("[A-Z2-7]*");
            assertThat(Base32.decode(text)).isEqualTo(bytes);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"MZXW6YQ1", "MZXW6YQ8", "MZXW6YQ0", "MZX!W6YQ", "MZXW6YQé", "MZXW\u00006YQ", "MZ\tXW6YQ"})
    void decodeWhenCharacterOutsideAlphabetThenRejectedWithoutEchoingIt(String text) {
        assertThatThrownBy(() -> Base32.decode(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Base32 text has a character outside A-Z, 2-7 at index ")
                .hasMessageNotContaining("MZX");
    }

    @ParameterizedTest
    @ValueSource(strings = {"M", "MZX", "MZXW6Y", "MZXW6YTBO", "MZXW6YTBOI3"})
    void decodeWhenLengthImpossibleThenRejected(String text) {
        assertThatThrownBy(() -> Base32.decode(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no byte string encodes to that length");
    }

    @Test
    void decodeWhenPaddingInTheMiddleThenRejected() {
        assertThatThrownBy(() -> Base32.decode("MY==MZXQ"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Base32 text has padding before its end, at index 4");
    }

    @Test
    void decodeWhenNullThenClearMessage() {
        assertThatThrownBy(() -> Base32.decode(null))
                .isInstanceOf(NullPointerException.class).hasMessage("text cannot be null");
    }

    @Test
    void decodeWhenHugeValidInputThenDecodedInLinearTime() {
        String text = "A".repeat(8_000_000);

        assertThat(Base32.decode(text)).hasSize(5_000_000).containsOnly((byte) 0);
    }
}
