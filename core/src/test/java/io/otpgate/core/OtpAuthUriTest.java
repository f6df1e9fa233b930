package io.otpgate.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OtpAuthUriTest {

    private static final OtpSecret SECRET = OtpSecret.fromBase32("JBSWY3DPEHPK3PXP");
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void toUriStringWhenTotpThenKeyUriFormatWithIssuerTwice() {
        OtpAuthUri uri = OtpAuthUri.totp(SECRET).issuer("Example").account("alice@google.com").build();

        assertThat(uri.toUriString()).isEqualTo("otpauth://totp/Example:alice%40google.com"
                + "?secret=JBSWY3DPEHPK3PXP&issuer=Example&algorithm=SHA1&digits=6&period=30");
    }

    @Test
    void toUriStringWhenHotpThenCounterInsteadOfPeriod() {
        OtpAuthUri uri = OtpAuthUri.hotp(SECRET, 42).account("bob").algorithm(HmacAlgorithm.SHA256).digits(8)
                .build();

        assertThat(uri.toUriString())
                .isEqualTo("otpauth://hotp/bob?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256&digits=8&counter=42");
    }

    @Test
    void toUriStringWhenSpaceThenPercentTwentyNeverPlus() {
        String text = OtpAuthUri.totp(SECRET).issuer("Acme Co").account("a b+c").build().toUriString();

        assertThat(text).startsWith("otpauth://totp/Acme%20Co:a%20b%2Bc?").contains("&issuer=Acme%20Co&")
                .doesNotContain("+");
    }

    @ParameterizedTest(name = "issuer \"{0}\", account \"{1}\"")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            otpgate               | alice
            Acme Co               | alice smith
            "R&D @ Home"          | bob@example.com
            100% sure             | a&b=c?d/e#f
            Société Générale      | jürgen
            日本の会社              | 山田太郎
            ""                    | only account
            Emoji 🔐              | user+tag@example.org
            inner  spaces         | "x  y"
            """)
    void parseWhenBuiltWithSpecialCharactersThenRoundTrips(String issuer, String account) {
        for (HmacAlgorithm algorithm : HmacAlgorithm.values()) {
            OtpAuthUri totp = OtpAuthUri.totp(OtpSecret.generate(algorithm, RANDOM)).issuer(issuer).account(account)
                    .algorithm(algorithm).digits(8).period(Duration.ofSeconds(60)).build();
            OtpAuthUri hotp = OtpAuthUri.hotp(OtpSecret.generate(algorithm, RANDOM), 7).issuer(issuer)
                    .account(account).algorithm(algorithm).build();

            for (OtpAuthUri uri : new OtpAuthUri[] {totp, hotp}) {
                String text = uri.toUriString();
                assertThat(text).matches("[A-Za-z0-9:/?&=%._~-]+");
                OtpAuthUri parsed = OtpAuthUri.parse(text);
                assertThat(parsed).isEqualTo(uri);
                assertThat(parsed.issuer()).isEqualTo(issuer);
                assertThat(parsed.account()).isEqualTo(account);
                assertThat(parsed.toUriString()).isEqualTo(text);
            }
        }
    }

    @Test
    void parseWhenDjangoOtpStyleUriThenPlusInQueryIsSpace() {
        // django-otp's config_url quotes the label and urlencodes the query (a space becomes '+').
        OtpAuthUri uri = OtpAuthUri.parse("otpauth://totp/My%20Site%3Aalice?secret=JBSWY3DPEHPK3PXP"
                + "&algorithm=SHA1&digits=6&period=30&issuer=My+Site");

        assertThat(uri.issuer()).isEqualTo("My Site");
        assertThat(uri.account()).isEqualTo("alice");
        assertThat(uri.secret()).isEqualTo(SECRET);
    }

    @Test
    void parseWhenMinimalGoogleExampleThenDefaults() {
        OtpAuthUri uri = OtpAuthUri.parse("otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP"
                + "&issuer=Example");

        assertThat(uri.type()).isEqualTo(OtpAuthUri.Type.TOTP);
        assertThat(uri.algorithm()).isEqualTo(HmacAlgorithm.SHA1);
        assertThat(uri.digits()).isEqualTo(6);
        assertThat(uri.period()).isEqualTo(Duration.ofSeconds(30));
        assertThat(uri.account()).isEqualTo("alice@google.com");
        assertThat(uri.toTotp().generate(uri.secret(), java.time.Instant.ofEpochSecond(59)))
                .isEqualTo(Totp.defaults().generate(SECRET, java.time.Instant.ofEpochSecond(59)));
    }

    @Test
    void parseWhenIssuerOnlyInLabelThenTakenFromLabelAndSpacesAfterColonDropped() {
        OtpAuthUri uri = OtpAuthUri.parse("OTPAUTH://TOTP/ACME:%20%20alice?secret=jbswy3dpehpk3pxp&image=x&foo=");

        assertThat(uri.issuer()).isEqualTo("ACME");
        assertThat(uri.account()).isEqualTo("alice");
        assertThat(uri.secret()).isEqualTo(SECRET);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            https://totp/a?secret=JBSWY3DPEHPK3PXP                          | must start with otpauth://
            otpauth://motp/a?secret=JBSWY3DPEHPK3PXP                        | type must be totp or hotp
            otpauth://totp                                                  | has no label
            otpauth://totp/a                                                | has no secret parameter
            otpauth://totp/a?secret=                                        | has no secret parameter
            otpauth://totp/a?secret=JBSWY3DPEHPK3PX1                        | secret is not valid Base32
            otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&secret=JBSWY3DPEHPK3PXP | parameter secret twice
            otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=9               | digits must be 6..8, got 9
            otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=٦               | digits must be a whole number
            otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=-6              | digits must be a whole number
            otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=0               | period must be whole seconds
            otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=99999999999999999999 | period must be a whole number
            otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&algorithm=MD5          | algorithm must be one of SHA1, SHA256, SHA512
            otpauth://hotp/a?secret=JBSWY3DPEHPK3PXP                        | has no counter parameter
            otpauth://totp/a%2?secret=JBSWY3DPEHPK3PXP                      | label has a bad percent-escape
            otpauth://totp/a%zz?secret=JBSWY3DPEHPK3PXP                     | label has a bad percent-escape
            otpauth://totp/a%C3?secret=JBSWY3DPEHPK3PXP                     | label is not UTF-8
            otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&issuer=a%3Ab           | issuer must not contain ':'
            otpauth://totp/Issuer:?secret=JBSWY3DPEHPK3PXP                  | account must not be blank
            otpauth://totp/a?secret=JBSWY3DPEHPK3PXP#frag                   | must not have a fragment
            otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits                 | query parameter without '='
            """)
    void parseWhenMalformedThenClearMessageWithoutSecret(String text, String expected) {
        assertThatThrownBy(() -> OtpAuthUri.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(expected)
                .hasMessageNotContaining("JBSWY3DPEHPK3P");
    }

    @Test
    void parseWhenHugeOrNullThenRefusedBeforeReading() {
        assertThatThrownBy(() -> OtpAuthUri.parse("otpauth://totp/" + "a".repeat(10_000)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("otpauth URI must be at most 8192 characters, got 10015");
        assertThatThrownBy(() -> OtpAuthUri.parse(null))
                .isInstanceOf(NullPointerException.class).hasMessage("otpauth URI cannot be null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Acme:Corp", ":"})
    void buildWhenColonInIssuerOrAccountThenRefused(String value) {
        assertThatThrownBy(() -> OtpAuthUri.totp(SECRET).issuer(value).account("alice").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("issuer must not contain ':'");
        assertThatThrownBy(() -> OtpAuthUri.totp(SECRET).issuer("Acme").account(value).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("account must not contain ':'");
    }

    @ParameterizedTest
    @ValueSource(strings = {" alice", "alice ", "\talice"})
    void buildWhenLabelPartHasOuterWhiteSpaceThenRefused(String value) {
        assertThatThrownBy(() -> OtpAuthUri.totp(SECRET).issuer("Acme").account(value).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("account must not start or end with white space");
        assertThatThrownBy(() -> OtpAuthUri.totp(SECRET).issuer(value).account("alice").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("issuer must not start or end with white space");
    }

    @Test
    void buildWhenAccountMissingOrTooLongThenRefused() {
        assertThatThrownBy(() -> OtpAuthUri.totp(SECRET).build())
                .isInstanceOf(NullPointerException.class).hasMessage("account cannot be null");
        assertThatThrownBy(() -> OtpAuthUri.totp(SECRET).account(" ").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("account must not be blank");
        assertThatThrownBy(() -> OtpAuthUri.totp(SECRET).account("a".repeat(257)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("account must be at most 256 characters, got 257");
    }

    /** Found by OtpAuthUriFuzzTest: UTF-8 has no form for such a char, so it was written as '?' and read back so. */
    @ParameterizedTest
    @ValueSource(strings = {"\uDA5D", "alice\uD83D", "\uDC10bob", "a\uDC10\uD83Db"})
    void buildWhenUnpairedSurrogateThenRefused(String value) {
        assertThatThrownBy(() -> OtpAuthUri.totp(SECRET).issuer("Acme").account(value).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("account must be Unicode text, but has an unpaired surrogate at index");
        assertThatThrownBy(() -> OtpAuthUri.hotp(SECRET, 0).issuer(value).account("alice").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("issuer must be Unicode text, but has an unpaired surrogate at index");
    }

    @Test
    void parseWhenUnpairedSurrogateThenRefusedAndPairsKept() {
        assertThatThrownBy(() -> OtpAuthUri.parse("otpauth://totp/a\uD83D?secret=JBSWY3DPEHPK3PXP"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("otpauth URI label has an unpaired surrogate");
        assertThatThrownBy(() -> OtpAuthUri.parse("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&issuer=\uDC10%41"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("otpauth URI issuer has an unpaired surrogate");

        assertThat(OtpAuthUri.parse("otpauth://totp/\uD83D\uDD10:b%41?secret=JBSWY3DPEHPK3PXP").issuer())
                .isEqualTo("\uD83D\uDD10");
        assertThat(OtpAuthUri.parse("otpauth://totp/\uD83D\uDD10:b%41?secret=JBSWY3DPEHPK3PXP").account())
                .isEqualTo("bA");
    }

    @Test
    void buildWhenLongestLabelsOfFourByteCharactersThenStillParses() {
        OtpAuthUri uri = OtpAuthUri.totp(OtpSecret.generate(HmacAlgorithm.SHA512, RANDOM))
                .issuer("🔐".repeat(64)).account("🔐".repeat(128)).build();

        assertThat(OtpAuthUri.parse(uri.toUriString())).isEqualTo(uri);
    }

    @Test
    void toStringWhenPrintedThenNoSecret() {
        OtpAuthUri uri = OtpAuthUri.totp(SECRET).issuer("Example").account("alice").build();

        assertThat(uri.toString()).doesNotContain("JBSW").contains("secret PROTECTED", "alice", "Example");
    }
}
