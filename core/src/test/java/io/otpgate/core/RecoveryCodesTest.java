package io.otpgate.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class RecoveryCodesTest {

    private final RecoveryCodes codes = RecoveryCodes.defaults();
    private final SecureRandom random = new SecureRandom();

    @Test
    void generateWhenDefaultsThenEightyBitGroupedCodesWithoutLookAlikes() {
        List<String> generated = codes.generate(100, random);

        assertThat(codes.bits()).isGreaterThanOrEqualTo(80);
        assertThat(generated).hasSize(100).doesNotHaveDuplicates()
                .allSatisfy(code -> assertThat(code).matches("[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}"));
        assertThat(String.join("", generated)).doesNotContain("i", "l", "o", "u");
    }

    @Test
    void generateWhenManyCodesThenEverySymbolAboutEquallyLikely() {
        Map<Character, Integer> counts = new HashMap<>();
        // 50 batches x 100 codes x 16 symbols = 80 000 symbols: 2 500 expected of each of the 32.
        for (int batch = 0; batch < 50; batch++) {
            for (String code : codes.generate(100, random)) {
                code.chars().filter(c -> c != '-').forEach(c -> counts.merge((char) c, 1, Integer::sum));
            }
        }
        assertThat(counts).hasSize(32);
        // 80 000 draws over 32 symbols: mean 2 500, standard deviation about 49; 6 sigma bounds.
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(2_200, 2_800));
    }

    @ParameterizedTest(name = "\"{0}\" reads as {1}")
    @CsvSource(quoteCharacter = '"', textBlock = """
            abcd-efgh-jkmn-pqrs,        abcdefghjkmnpqrs
            ABCD-EFGH-JKMN-PQRS,        abcdefghjkmnpqrs
            "abcd efgh jkmn pqrs",      abcdefghjkmnpqrs
            "  abcdefghjkmnpqrs  ",     abcdefghjkmnpqrs
            a-b-c-d-e-f-g-h-j-k-m-n-p-q-r-s, abcdefghjkmnpqrs
            oOiI-lL01-2345-6789,        0011110123456789
            """)
    void normalizeWhenTypedLooselyThenCanonical(String typed, String canonical) {
        assertThat(codes.normalize(typed)).contains(canonical);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "abcd-efgh-jkmn-pqr", "abcd-efgh-jkmn-pqrst", "abcd-efgh-jkmn-pqru",
            "abcd-efgh-jkmn-pqr!", "abcd-efgh-jkmn-pqrś", "ａｂｃｄ-efgh-jkmn-pqrs", "abcd_efgh_jkmn_pqrs"})
    void normalizeWhenNotACodeThenEmpty(String typed) {
        assertThat(codes.normalize(typed)).isEmpty();
    }

    @Test
    void normalizeWhenHugeInputThenEmptyWithoutScanningIt() {
        assertThat(codes.normalize("a".repeat(5_000_000))).isEmpty();
    }

    @Test
    void normalizeWhenGeneratedCodeThenFormatGivesItBack() {
        for (String code : codes.generate(20, random)) {
            String canonical = codes.normalize(code).orElseThrow();
            assertThat(canonical).hasSize(16).doesNotContain("-");
            assertThat(codes.format(canonical)).isEqualTo(code);
        }
    }

    @Test
    void ofWhenLongerCodesThenMoreBitsAndOtherGrouping() {
        RecoveryCodes longer = RecoveryCodes.of(20, 5);

        assertThat(longer.bits()).isEqualTo(100);
        assertThat(longer.generate(3, random))
                .allSatisfy(code -> assertThat(code).matches("[0-9a-z]{5}(-[0-9a-z]{5}){3}"));
    }

    @Test
    void configurationWhenOutOfRangeThenClearMessages() {
        assertThatThrownBy(() -> RecoveryCodes.of(15, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("recovery code length must be 16..64, got 15");
        assertThatThrownBy(() -> codes.generate(0, random))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("count must be 1..100, got 0");
        assertThatThrownBy(() -> codes.format("abcd-efgh-jkmn-pqrs"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a canonical recovery code of 16 symbols");
    }
}
