package io.otpgate.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.otpgate.core.Base32;

/**
 * The check can fail: a secret planted in a dump, in each encoding (standing alone or inside a longer encoded value,
 * at every alignment), is found; a dump of other random values gives no finding; findings never show the value.
 * The plantings are made here independently of the check's own list of encodings.
 */
class SecretsAtRestTest {

    static final SecureRandom RANDOM = new SecureRandom();

    static byte[] random(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    static String base32Padded(byte[] bytes) {
        String text = Base32.encode(bytes);
        return text + "=".repeat((8 - text.length() % 8) % 8);
    }

    /** Lines such as pg_dump and H2 SCRIPT write, around the planted text, with other random values in them. */
    static String dumpAround(String planted) {
        StringBuilder dump = new StringBuilder("-- PostgreSQL database dump\n");
        for (int i = 0; i < 200; i++) {
            dump.append("INSERT INTO public.otpgate_totp_device VALUES (").append(i).append(", '\\x")
                    .append(HexFormat.of().formatHex(random(60))).append("', '")
                    .append(Base64.getEncoder().encodeToString(random(45))).append("', '")
                    .append(Base32.encode(random(20))).append("');\n");
            if (i == 100) {
                dump.append("INSERT INTO public.user_oauth_profile VALUES (7, 'github', '").append(planted)
                        .append("');\n");
            }
        }
        return dump.toString();
    }

    static Stream<Arguments> byteEncodings() {
        List<Arguments> cases = new ArrayList<>();
        cases.add(Arguments.of("hex, lower case", (Function<byte[], String>) s -> HexFormat.of().formatHex(s)));
        cases.add(Arguments.of("hex, upper case",
                (Function<byte[], String>) s -> HexFormat.of().withUpperCase().formatHex(s)));
        cases.add(Arguments.of("PostgreSQL bytea of a longer value",
                (Function<byte[], String>) s -> "\\x" + HexFormat.of().formatHex(concat(random(13), s, random(7)))));
        cases.add(Arguments.of("H2 binary literal of a longer value",
                (Function<byte[], String>) s -> "X'" + HexFormat.of().formatHex(concat(random(12), s, random(5))) + "'"));
        cases.add(Arguments.of("Base32, upper case, unpadded", (Function<byte[], String>) Base32::encode));
        cases.add(Arguments.of("Base32, lower case, unpadded",
                (Function<byte[], String>) s -> Base32.encode(s).toLowerCase(Locale.ROOT)));
        cases.add(Arguments.of("Base32, upper case, padded", (Function<byte[], String>) SecretsAtRestTest::base32Padded));
        cases.add(Arguments.of("Base32, lower case, padded",
                (Function<byte[], String>) s -> base32Padded(s).toLowerCase(Locale.ROOT)));
        cases.add(Arguments.of("Base64, padded", (Function<byte[], String>) s -> Base64.getEncoder().encodeToString(s)));
        cases.add(Arguments.of("Base64, unpadded",
                (Function<byte[], String>) s -> Base64.getEncoder().withoutPadding().encodeToString(s)));
        cases.add(Arguments.of("Base64 URL-safe, padded",
                (Function<byte[], String>) s -> Base64.getUrlEncoder().encodeToString(s)));
        cases.add(Arguments.of("Base64 URL-safe, unpadded",
                (Function<byte[], String>) s -> Base64.getUrlEncoder().withoutPadding().encodeToString(s)));
        for (int before = 0; before < 3; before++) {
            for (int after = 0; after < 3; after++) {
                int b = before;
                int a = after;
                cases.add(Arguments.of("Base64 inside a longer value, " + b + " bytes before, " + a + " after",
                        (Function<byte[], String>) s -> Base64.getEncoder().encodeToString(
                                concat(random(b + 3), s, random(a)))));
                cases.add(Arguments.of("Base64 URL-safe inside a longer value, " + b + " bytes before, " + a + " after",
                        (Function<byte[], String>) s -> Base64.getUrlEncoder().encodeToString(
                                concat(random(b + 6), s, random(a + 3)))));
            }
        }
        for (int before = 0; before < 5; before++) {
            int b = before;
            cases.add(Arguments.of("Base32 inside a longer value, " + b + " bytes before",
                    (Function<byte[], String>) s -> Base32.encode(concat(random(b + 5), s, random(3)))));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("byteEncodings")
    void checkWhenSecretBytesPlantedThenFound(String encoding, Function<byte[], String> plant) {
        for (int length : new int[] {20, 32, 21, 22}) {
            byte[] secret = random(length);
            String planted = plant.apply(secret);
            String dump = dumpAround(planted);

            SecretsAtRest.Result result = SecretsAtRest.check(dump,
                    List.of(SecretsAtRest.Secret.ofBytes("the planted secret", secret)));

            assertThat(result.findings()).as("%s of %d bytes", encoding, length).isNotEmpty();
            int start = dump.indexOf(planted);
            assertThat(result.findings()).allSatisfy(finding -> {
                assertThat(finding.label()).isEqualTo("the planted secret");
                assertThat(finding.offset()).isBetween(start, start + planted.length());
            });
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("textPlantings")
    void checkWhenSecretTextPlantedThenFound(String how, Function<String, String> plant) {
        for (String secret : List.of("7kq3-m9xa-2bnf-h4tc", "gho_Xy7pQ2rS9tU4vW1zA8bC3dE6fG0hJ5kL")) {
            String dump = dumpAround(plant.apply(secret));

            SecretsAtRest.Result result = SecretsAtRest.check(dump,
                    List.of(SecretsAtRest.Secret.ofText("the planted text", secret)));

            assertThat(result.findings()).as(how).isNotEmpty();
        }
    }

    static Stream<Arguments> textPlantings() {
        return Stream.of(
                Arguments.of("as typed", (Function<String, String>) s -> s),
                Arguments.of("upper case", (Function<String, String>) s -> s.toUpperCase(Locale.ROOT)),
                Arguments.of("lower case", (Function<String, String>) s -> s.toLowerCase(Locale.ROOT)),
                Arguments.of("without dashes", (Function<String, String>) s -> s.replace("-", "")),
                Arguments.of("without dashes, upper case",
                        (Function<String, String>) s -> s.replace("-", "").toUpperCase(Locale.ROOT)),
                Arguments.of("spaces for dashes", (Function<String, String>) s -> s.replace('-', ' ')),
                Arguments.of("hex of its UTF-8 bytes",
                        (Function<String, String>) s -> HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8))),
                Arguments.of("Base64 of its UTF-8 bytes", (Function<String, String>) s -> Base64.getEncoder()
                        .encodeToString(s.getBytes(StandardCharsets.UTF_8))),
                Arguments.of("Base64 of a JSON object holding it", (Function<String, String>) s -> Base64.getEncoder()
                        .encodeToString(("{\"credentials\":\"" + s + "\"}").getBytes(StandardCharsets.UTF_8))),
                Arguments.of("inside a sentence", (Function<String, String>) s -> "the code was " + s + " then"));
    }

    @Test
    void checkWhenDumpHoldsOnlyOtherValuesThenNothingFound() {
        List<SecretsAtRest.Secret> secrets = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            secrets.add(SecretsAtRest.Secret.ofBytes("secret " + i, random(20)));
            secrets.add(SecretsAtRest.Secret.ofText("code " + i, "abcd-efgh-" + Base32.encode(random(5))));
        }
        StringBuilder dump = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            dump.append(dumpAround("nothing here"));
        }

        SecretsAtRest.Result result = SecretsAtRest.check(dump.toString(), secrets);

        assertThat(result.findings()).isEmpty();
        assertThat(result.values()).isEqualTo(1000);
        assertThat(result.bytesScanned()).isEqualTo(dump.length());
        assertThat(result.minEncodings()).isGreaterThanOrEqualTo(16);
        assertThat(result.searches()).isGreaterThan(10_000);
    }

    @Test
    void findingWhenPrintedThenValueNotShown() {
        byte[] secret = random(20);
        String hex = HexFormat.of().formatHex(secret);
        SecretsAtRest.Secret known = SecretsAtRest.Secret.ofBytes("TOTP secret of alice", secret);

        SecretsAtRest.Result result = SecretsAtRest.check(dumpAround(hex), List.of(known));
        Report report = new Report("test");
        result.addTo(report, "");

        assertThat(result.findings()).hasSize(1);
        assertThat(result.findings().get(0).encoding()).isEqualTo("hex, any case");
        assertThat(result.toString()).doesNotContain(hex).doesNotContain(Base32.encode(secret));
        assertThat(known.toString()).doesNotContain(hex).contains("PROTECTED");
        assertThat(report.toString()).doesNotContain(hex).contains("TOTP secret of alice").contains("FAILED");
        assertThat(report.passed()).isFalse();
    }

    @Test
    void secretWhenTooShortToSearchThenRefused() {
        assertThatThrownBy(() -> SecretsAtRest.Secret.ofBytes("short", random(7)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7 bytes");
        assertThatThrownBy(() -> SecretsAtRest.Secret.ofText("short", "abc-def-ghi"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("9 characters");
    }
}
