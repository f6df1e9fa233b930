package io.otpgate.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class HotpTest {

    /** RFC 4226 Appendix D: the secret is the ASCII string "12345678901234567890". */
    static final OtpSecret RFC_4226_SECRET =
            OtpSecret.ofBytes("12345678901234567890".getBytes(StandardCharsets.US_ASCII));

    private final Hotp hotp = Hotp.defaults();

    @ParameterizedTest(name = "counter {0} gives {1}")
    @CsvSource(textBlock = """
            0, 755224
            1, 287082
            2, 359152
            3, 969429
            4, 338314
            5, 254676
            6, 287922
            7, 162583
            8, 399871
            9, 520489
            """)
    void generateWhenRfc4226AppendixDThenExpectedCode(long counter, String code) {
        assertThat(hotp.generate(RFC_4226_SECRET, counter)).isEqualTo(code);
        assertThat(hotp.verify(RFC_4226_SECRET, code, counter, 0)).contains(new HotpMatch(counter));
    }

    @Test
    void verifyWhenCodeWithinLookAheadThenMatchedCounterReported() {
        String code = hotp.generate(RFC_4226_SECRET, 7);

        assertThat(hotp.verify(RFC_4226_SECRET, code, 3, 5)).hasValueSatisfying(match -> {
            assertThat(match.counter()).isEqualTo(7);
            assertThat(match.nextCounter()).isEqualTo(8);
        });
    }

    @Test
    void verifyWhenCodeBeyondLookAheadThenRejected() {
        String code = hotp.generate(RFC_4226_SECRET, 9);

        assertThat(hotp.verify(RFC_4226_SECRET, code, 3, 5)).isEmpty();
    }

    @Test
    void verifyWhenCodeOfEarlierCounterThenRejected() {
        String used = hotp.generate(RFC_4226_SECRET, 2);

        assertThat(hotp.verify(RFC_4226_SECRET, used, 3, 5)).isEmpty();
    }

    @Test
    void verifyWhenCounterNearMaxThenLookAheadDoesNotOverflow() {
        long counter = Long.MAX_VALUE - 1;
        String code = hotp.generate(RFC_4226_SECRET, Long.MAX_VALUE);

        assertThat(hotp.verify(RFC_4226_SECRET, code, counter, 100)).contains(new HotpMatch(Long.MAX_VALUE));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "75522", "7552240", "75522a", " 755224", "755224 ", "75-224", "+75522",
            "٧٥٥٢٢٤", "７５５２２４", "७५५२२४"})
    void verifyWhenCodeNotSixAsciiDigitsThenRejected(String code) {
        assertThat(hotp.verify(RFC_4226_SECRET, code, 0, 10)).isEmpty();
    }

    @Test
    void verifyWhenCodeHugeThenRejectedWithoutWork() {
        assertThat(hotp.verify(RFC_4226_SECRET, "7".repeat(10_000_000), 0, 10)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 5, 9, 10})
    void ofWhenDigitsOutOfRangeThenClearMessage(int digits) {
        assertThatThrownBy(() -> Hotp.of(HmacAlgorithm.SHA1, digits))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("digits must be 6..8, got " + digits);
    }

    @Test
    void verifyWhenArgumentsMisusedThenClearMessages() {
        assertThatThrownBy(() -> hotp.verify(null, "755224", 0, 0))
                .isInstanceOf(NullPointerException.class).hasMessage("secret cannot be null");
        assertThatThrownBy(() -> hotp.verify(RFC_4226_SECRET, "755224", -1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("counter must be 0 or more, got -1");
        assertThatThrownBy(() -> hotp.verify(RFC_4226_SECRET, "755224", 0, 101))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("lookAhead must be 0..100, got 101");
    }

    @Test
    void generateWhenEightDigitsThenLeadingZerosKept() {
        Hotp eight = Hotp.of(HmacAlgorithm.SHA1, 8);
        for (long counter = 0; counter < 2_000; counter++) {
            String code = eight.generate(RFC_4226_SECRET, counter);
            assertThat(code).hasSize(8).containsOnlyDigits();
            assertThat(eight.verify(RFC_4226_SECRET, code, counter, 0)).isPresent();
        }
    }
}
