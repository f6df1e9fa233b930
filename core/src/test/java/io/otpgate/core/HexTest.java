package io.otpgate.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HexTest {

    @ParameterizedTest(name = "BASE16(\"{0}\") = \"{1}\"")
    @CsvSource(quoteCharacter = '\'', textBlock = """
            '',      ''
            f,       66
            fo,      666F
            foo,     666F6F
            foob,    666F6F62
            fooba,   666F6F6261
            foobar,  666F6F626172
            """)
    void encodeAndDecodeWhenRfc4648Section10ThenVectorsHold(String plain, String hex) {
        byte[] bytes = plain.getBytes(StandardCharsets.US_ASCII);

        assertThat(Hex.encode(bytes)).isEqualTo(hex.toLowerCase());
        assertThat(Hex.decode(hex)).isEqualTo(bytes);
        assertThat(Hex.decode(hex.toLowerCase())).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"6g", "6 ", "x6", "６６", "٦٦", "-1"})
    void decodeWhenNotHexThenRejectedWithPosition(String text) {
        assertThatThrownBy(() -> Hex.decode(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("hex text has a character outside 0-9, a-f at index ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"6", "666"})
    void decodeWhenOddLengthThenRejected(String text) {
        assertThatThrownBy(() -> Hex.decode(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hex text must have an even length, got " + text.length());
    }
}
