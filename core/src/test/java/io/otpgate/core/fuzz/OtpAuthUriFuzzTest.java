package io.otpgate.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.otpgate.core.HmacAlgorithm;
import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;

/**
 * The otpauth URI parser and builder on arbitrary input. Parsing any text gives a URI or an
 * {@link IllegalArgumentException} whose message does not quote the secret; a parsed URI prints to text that parses
 * back to it; and a URI built from any labels and settings the builder accepts prints to URI characters only and
 * parses back to an equal URI with the very same issuer and account.
 */
class OtpAuthUriFuzzTest {

    private static final Pattern SECRET_PARAMETER = Pattern.compile("[?&]secret=([^&#]*)", Pattern.CASE_INSENSITIVE);

    @FuzzTest
    void parseArbitraryTextGivesAUriThatPrintsBackOrARefusal(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        OtpAuthUri uri;
        try {
            uri = OtpAuthUri.parse(text);
        } catch (IllegalArgumentException refused) {
            // Other parameters may be quoted (the algorithm, the digits); the secret never. Text that is also
            // elsewhere in the URI, outside the secret parameter, is not the secret's to hide.
            String outsideSecrets = SECRET_PARAMETER.matcher(text).replaceAll("");
            Matcher secret = SECRET_PARAMETER.matcher(text);
            while (secret.find()) {
                if (secret.group(1).length() >= 8 && !outsideSecrets.contains(secret.group(1))) {
                    assertThat(refused.getMessage()).doesNotContain(secret.group(1));
                }
            }
            return;
        }
        String printed = uri.toUriString();
        OtpAuthUri reparsed = OtpAuthUri.parse(printed);
        assertThat(reparsed).isEqualTo(uri);
        assertThat(reparsed.issuer()).isEqualTo(uri.issuer());
        assertThat(reparsed.account()).isEqualTo(uri.account());
        assertThat(reparsed.toUriString()).isEqualTo(printed);
        String secret = uri.secret().exposeBase32();
        if (!uri.issuer().contains(secret) && !uri.account().contains(secret)) {
            assertThat(uri.toString()).doesNotContain(secret);
        }
    }

    /**
     * Layout ({@link FuzzBytes}): type, issuer (UTF-16), account (UTF-16), algorithm, digits, period, counter, then
     * the secret.
     */
    @FuzzTest
    void buildThenParseRoundTrips(byte[] input) {
        FuzzBytes in = new FuzzBytes(input);
        boolean totp = in.bool();
        String issuer = in.utf16(200);
        String account = in.utf16(255);
        HmacAlgorithm algorithm = in.pick(HmacAlgorithm.values());
        int digits = in.u8() - 120;
        long period = in.i32();
        long counter = in.i64();
        byte[] key = in.rest();
        if (key.length == 0 || key.length > OtpSecret.MAX_LENGTH) {
            return;
        }
        OtpSecret secret = OtpSecret.ofBytes(key);

        OtpAuthUri uri;
        try {
            OtpAuthUri.Builder builder = totp ? OtpAuthUri.totp(secret) : OtpAuthUri.hotp(secret, counter);
            builder.issuer(issuer).account(account).algorithm(algorithm).digits(digits);
            if (totp) {
                builder.period(Duration.ofSeconds(period));
            }
            uri = builder.build();
        } catch (IllegalArgumentException refused) {
            return;
        }
        String printed = uri.toUriString();
        assertThat(printed).matches("otpauth://[a-z]+/[A-Za-z0-9:/?&=%._~-]+");
        assertThat(printed.length()).isLessThanOrEqualTo(OtpAuthUri.MAX_URI_LENGTH);
        OtpAuthUri parsed = OtpAuthUri.parse(printed);
        assertThat(parsed).isEqualTo(uri);
        assertThat(parsed.issuer()).isEqualTo(issuer);
        assertThat(parsed.account()).isEqualTo(account);
        assertThat(parsed.toUriString()).isEqualTo(printed);
    }
}
