package io.otpgate.server.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import io.otpgate.spring.secret.KeyRing;

class KeyRingTest {

    /** 32 bytes of 0x01..0x20 and 32 bytes of 0x21..0x40. */
    static final String KEY_1 = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
    static final String KEY_2 = "ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0A=";

    @Test
    void parseWhenEntriesOnLinesAndCommasThenFirstIsPrimary() {
        KeyRing ring = KeyRing.parse("# a comment: 9:" + KEY_1 + "\n2:" + KEY_2 + " ,\n 1:" + KEY_1 + "\n");

        assertThat(ring.primaryId()).isEqualTo(2);
        assertThat(ring.ids()).containsExactly(2, 1);
        assertThat(ring.size()).isEqualTo(2);
        assertThat(ring.key(1).getEncoded()).isEqualTo(Base64.getDecoder().decode(KEY_1));
        assertThat(ring.key(9)).isNull();
    }

    /** K1 and K2 stand for KEY_1 and KEY_2. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not base64       | 1:notbase64!!AQIDBAUGBwgJCgsMDQ4PEBES | key entry 1 must be <id>:<base64 of 32 bytes>
            no colon         | K1                                    | key entry 1 must be <id>:<base64 of 32 bytes>
            id not a number  | one:K1                                | key entry 1 must be <id>:<base64 of 32 bytes>
            16 bytes         | 1:AQIDBAUGBwgJCgsMDQ4PEA==            | \
                key entry 1 must have an id of 1 or more and 32 bytes, got id 1 and 16 bytes
            id 0             | 0:K1                                  | \
                key entry 1 must have an id of 1 or more and 32 bytes, got id 0 and 32 bytes
            second entry bad | 1:K1,2:ISIjJCUmJygpKiss               | \
                key entry 2 must have an id of 1 or more and 32 bytes, got id 2 and 12 bytes
            same id twice    | 1:K1,1:K2                             | key id 1 appears twice
            comment only     | # 1:K1                                | no key: expected <id>:<base64 of 32 bytes>
            """)
    void parseWhenMalformedThenTheMessageNamesTheEntryButNeverAKey(String condition, String template,
            String message) {
        String text = template.replace("K1", KEY_1).replace("K2", KEY_2);

        assertThatThrownBy(() -> KeyRing.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message)
                .satisfies(e -> {
                    assertThat(e.getMessage()).doesNotContain("AQIDBAUG").doesNotContain("ISIjJCUm")
                            .doesNotContain("notbase64");
                    assertThat(e.getCause()).isNull();
                });
    }

    @Test
    void toStringWhenKeysThenIdsOnly() {
        KeyRing ring = KeyRing.parse("2:" + KEY_2 + ",1:" + KEY_1);

        assertThat(ring.toString()).isEqualTo("KeyRing[primary 2, ids [2, 1], keys PROTECTED]")
                .doesNotContain(KEY_1).doesNotContain(KEY_2);
    }

    @Test
    void withNewPrimaryThenANewRandomKeyWithTheNextIdBeforeTheOldOnes() {
        KeyRing ring = KeyRing.parse("3:" + KEY_2 + ",1:" + KEY_1);

        KeyRing next = ring.withNewPrimary(new SecureRandom());

        assertThat(next.primaryId()).isEqualTo(4);
        assertThat(next.ids()).containsExactly(4, 3, 1);
        assertThat(next.key(4).getEncoded()).hasSize(KeyRing.KEY_LENGTH)
                .isNotEqualTo(ring.key(3).getEncoded()).isNotEqualTo(ring.key(1).getEncoded());
        assertThat(ring.ids()).as("unchanged").containsExactly(3, 1);
        assertThat(next.primaryOnly().ids()).containsExactly(4);
        assertThat(next.primaryOnly().key(4).getEncoded()).isEqualTo(next.key(4).getEncoded());
    }

    @Test
    void exposeTextWhenParsedAgainThenTheSameRing() {
        KeyRing ring = KeyRing.generate(new SecureRandom()).withNewPrimary(new SecureRandom());

        KeyRing again = KeyRing.parse(ring.exposeText());

        assertThat(again.ids()).containsExactly(2, 1);
        assertThat(again.key(1).getEncoded()).isEqualTo(ring.key(1).getEncoded());
        assertThat(again.key(2).getEncoded()).isEqualTo(ring.key(2).getEncoded());
    }
}
