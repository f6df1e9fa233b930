package io.otpgate.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.otpgate.core.HmacAlgorithm;
import io.otpgate.core.Hotp;
import io.otpgate.core.HotpMatch;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.core.TotpMatch;

/**
 * TOTP and HOTP verification with arbitrary secrets, times, settings, windows and codes. Settings out of range get
 * the documented {@link IllegalArgumentException} and nothing else; a verification either refuses or names a step
 * (or counter) inside the window whose generated code is the typed code; the code of the expected step is always
 * accepted; and generated codes agree with RFC 4226 computed on {@code javax.crypto.Mac}.
 *
 * <p>Input layout ({@link FuzzBytes}): algorithm, digits, period, t0, now, window, drift, minStep, code mode, code
 * offset, typed code, secret.
 */
class CodeVerificationFuzzTest {

    private static final long MAX_EPOCH_SECOND = Instant.MAX.getEpochSecond();

    @FuzzTest
    void totpVerifyNeverFailsUnexpectedlyAndAgreesWithGenerate(byte[] input) {
        FuzzBytes in = new FuzzBytes(input);
        HmacAlgorithm algorithm = in.pick(HmacAlgorithm.values());
        int digits = in.u8() - 120;                  // around 6..8, and far outside
        long periodSeconds = in.i32();
        long t0 = in.i64();
        long now = Math.floorMod(in.i64(), MAX_EPOCH_SECOND + 1);
        int window = in.u8() - 8;                    // -8..247: 0..10 valid
        int drift = in.i32();
        long minStep = in.i64();
        int codeMode = in.u8();
        int codeOffset = (byte) in.u8();
        String typed = in.utf16(12);
        byte[] key = in.rest();

        Totp totp;
        try {
            totp = Totp.builder().algorithm(algorithm).digits(digits).period(Duration.ofSeconds(periodSeconds)).t0(t0)
                    .build();
        } catch (IllegalArgumentException refused) {
            assertThat(digits < 6 || digits > 8 || periodSeconds < 1 || periodSeconds > 3600 || t0 < 0)
                    .as("settings refused: %s", refused.getMessage()).isTrue();
            return;
        }
        assertThat(digits >= 6 && digits <= 8 && periodSeconds >= 1 && periodSeconds <= 3600 && t0 >= 0).isTrue();
        OtpSecret secret = secret(key);
        if (secret == null) {
            return;
        }
        Instant instant = Instant.ofEpochSecond(now);
        boolean documentedRefusal = window < 0 || window > Totp.MAX_WINDOW || now < t0;
        if (documentedRefusal) {
            assertThatThrownBy(() -> totp.verify(secret, typed, instant, window, drift, minStep))
                    .isInstanceOf(IllegalArgumentException.class);
            return;
        }
        long expected = (now - t0) / periodSeconds + drift;
        String code = switch (codeMode % 3) {
            case 0 -> typed;
            case 1 -> expected + codeOffset >= 0 ? totp.generateAtStep(secret, expected + codeOffset) : typed;
            default -> expected >= 0 ? totp.generateAtStep(secret, expected) : typed;
        };
        Optional<TotpMatch> match = totp.verify(secret, code, instant, window, drift, minStep);

        if (match.isPresent()) {
            long step = match.get().step();
            assertThat(step).isBetween(Math.max(0, Math.max(minStep, expected - window)), expected + window);
            assertThat(match.get().drift()).isEqualTo(drift + (int) (step - expected));
            assertThat(totp.generateAtStep(secret, step)).isEqualTo(code).isEqualTo(reference(algorithm, key, step,
                    digits));
        } else {
            if (expected >= 0 && expected >= minStep) {
                assertThat(code).as("refused, so not the expected step's code")
                        .isNotEqualTo(reference(algorithm, key, expected, digits));
            }
            long generated = expected + codeOffset;
            assertThat(codeMode % 3 == 1 && Math.abs(codeOffset) <= window && generated >= 0 && generated >= minStep)
                    .as("refused the code of a step inside the window").isFalse();
        }
    }

    @FuzzTest
    void hotpVerifyNeverFailsUnexpectedlyAndAgreesWithGenerate(byte[] input) {
        FuzzBytes in = new FuzzBytes(input);
        HmacAlgorithm algorithm = in.pick(HmacAlgorithm.values());
        int digits = in.u8() - 120;
        long counter = in.i64();
        int lookAhead = in.u8() - 8 + (in.bool() ? 0 : 150);  // around 0..100, and outside
        int codeMode = in.u8();
        int codeOffset = in.u8();
        String typed = in.utf16(12);
        byte[] key = in.rest();

        Hotp hotp;
        try {
            hotp = Hotp.of(algorithm, digits);
        } catch (IllegalArgumentException refused) {
            assertThat(digits < 6 || digits > 8).isTrue();
            return;
        }
        OtpSecret secret = secret(key);
        if (secret == null) {
            return;
        }
        if (counter < 0 || lookAhead < 0 || lookAhead > Hotp.MAX_LOOK_AHEAD) {
            assertThatThrownBy(() -> hotp.verify(secret, typed, counter, lookAhead))
                    .isInstanceOf(IllegalArgumentException.class);
            return;
        }
        long target = counter + codeOffset;
        String code = codeMode % 2 == 1 && target >= 0 ? hotp.generate(secret, target) : typed;
        Optional<HotpMatch> match = hotp.verify(secret, code, counter, lookAhead);

        if (match.isPresent()) {
            long matched = match.get().counter();
            assertThat(matched).isGreaterThanOrEqualTo(counter);
            assertThat(matched - counter).isBetween(0L, (long) lookAhead);
            assertThat(hotp.generate(secret, matched)).isEqualTo(code)
                    .isEqualTo(reference(algorithm, key, matched, digits));
        } else {
            assertThat(code).as("refused, so not the code of the first counter")
                    .isNotEqualTo(reference(algorithm, key, counter, digits));
            assertThat(codeMode % 2 == 1 && target >= 0 && codeOffset <= lookAhead)
                    .as("refused the code of a counter inside the look-ahead").isFalse();
        }
    }

    /** The secret, or null (after checking the refusal) for a length that OtpSecret documents as refused. */
    private static OtpSecret secret(byte[] key) {
        if (key.length == 0 || key.length > OtpSecret.MAX_LENGTH) {
            assertThatThrownBy(() -> OtpSecret.ofBytes(key)).isInstanceOf(IllegalArgumentException.class);
            return null;
        }
        return OtpSecret.ofBytes(key);
    }

    /** RFC 4226 §5.3 on the JDK's HMAC: the code of a counter. */
    static String reference(HmacAlgorithm algorithm, byte[] key, long counter, int digits) {
        try {
            Mac mac = Mac.getInstance(algorithm.jcaName());
            mac.init(new SecretKeySpec(key, algorithm.jcaName()));
            byte[] hash = mac.doFinal(ByteBuffer.allocate(8).putLong(counter).array());
            int offset = hash[hash.length - 1] & 0x0f;
            int binary = ((hash[offset] & 0x7f) << 24) | ((hash[offset + 1] & 0xff) << 16)
                    | ((hash[offset + 2] & 0xff) << 8) | (hash[offset + 3] & 0xff);
            String code = Integer.toString(binary % (int) Math.pow(10, digits));
            return "0".repeat(digits - code.length()) + code;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
