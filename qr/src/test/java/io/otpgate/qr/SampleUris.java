package io.otpgate.qr;

import java.time.Duration;
import java.util.Random;
import java.util.stream.Stream;

import io.otpgate.core.HmacAlgorithm;
import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;

/**
 * otpauth URIs that cover what a QR code must carry: both types, all algorithms (so the longest, 64-byte secret),
 * 6 and 8 digits, and labels with every character that gets percent-encoded. A URI's toString leaves the secret
 * out, so test names never show it.
 *
 * <p>Secrets are random but seeded, the same in every run, so that a failure can be reproduced.
 */
final class SampleUris {

    private SampleUris() {
    }

    static Stream<OtpAuthUri> all() {
        return Stream.of(
                totp(HmacAlgorithm.SHA1, 1).issuer("otpgate").account("alice@example.com").build(),
                totp(HmacAlgorithm.SHA256, 2).issuer("Acme & Co").account("bob+tag@example.com").digits(8)
                        .period(Duration.ofSeconds(60)).build(),
                totp(HmacAlgorithm.SHA512, 3).issuer("100% Secure").account("a=b?c/d e").digits(8).build(),
                totp(HmacAlgorithm.SHA1, 4).account("no issuer").build(),
                totp(HmacAlgorithm.SHA256, 5).issuer("Café Müller").account("jürgen.é@example.de").build(),
                totp(HmacAlgorithm.SHA512, 6).issuer("日本").account("山田 太郎").digits(8).build(),
                totp(HmacAlgorithm.SHA1, 7).issuer("Rocket \uD83D\uDE80").account("smile \uD83D\uDE00").build(),
                OtpAuthUri.hotp(secret(HmacAlgorithm.SHA1, 9), 0).issuer("otpgate").account("carol").build(),
                OtpAuthUri.hotp(secret(HmacAlgorithm.SHA256, 10), 42).issuer("Q&A / 50%+").account("d@e.f")
                        .digits(8).build(),
                OtpAuthUri.hotp(secret(HmacAlgorithm.SHA512, 11), Long.MAX_VALUE).issuer("über = ü")
                        .account("日本 \uD83D\uDE00 ?&%+=/@").algorithm(HmacAlgorithm.SHA512).digits(8).build(),
                // The longest ASCII labels the builder accepts, with the longest usual secret: a large symbol.
                totp(HmacAlgorithm.SHA512, 8).issuer("I".repeat(OtpAuthUri.MAX_ISSUER_LENGTH))
                        .account("a".repeat(OtpAuthUri.MAX_ACCOUNT_LENGTH)).digits(8).build());
    }

    private static OtpAuthUri.Builder totp(HmacAlgorithm algorithm, long seed) {
        return OtpAuthUri.totp(secret(algorithm, seed)).algorithm(algorithm);
    }

    /** A secret of the algorithm's usual length (64 bytes for SHA512), the same for the same seed. */
    static OtpSecret secret(HmacAlgorithm algorithm, long seed) {
        byte[] bytes = new byte[algorithm.defaultSecretLength()];
        new Random(seed).nextBytes(bytes);
        return OtpSecret.ofBytes(bytes);
    }
}
