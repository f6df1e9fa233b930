package io.otpgate.core;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The HOTP function of RFC 4226 §5.3 on a reusable {@link Mac}, with its buffers. Not thread-safe: borrow one from
 * the algorithm's {@link Pool}, use it on one thread, give it back. {@code Mac.getInstance} costs several
 * microseconds, more than the HMAC itself, so engines are pooled rather than made per call.
 */
final class OathEngine {

    private static final int[] POWERS_OF_TEN = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000,
            100_000_000};

    private final Mac mac;
    private final byte[] message = new byte[8];
    private final byte[] digest;

    private OathEngine(Mac mac) {
        this.mac = mac;
        this.digest = new byte[mac.getMacLength()];
    }

    /** Keys the engine with the secret; every later call uses it until the next {@code init}. */
    void init(OtpSecret secret) {
        try {
            mac.init(new SecretKeySpec(secret.bytes(), mac.getAlgorithm()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(mac.getAlgorithm() + " refused a raw key", e);
        }
    }

    /** The HOTP value of the counter (RFC 4226 §5.3 dynamic truncation), reduced to {@code digits} digits. */
    int value(long counter, int digits) {
        for (int i = 7; i >= 0; i--) {
            message[i] = (byte) counter;
            counter >>>= 8;
        }
        mac.update(message);
        try {
            mac.doFinal(digest, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC output buffer too small", e);
        }
        int offset = digest[digest.length - 1] & 0x0f;
        int binary = ((digest[offset] & 0x7f) << 24)
                | ((digest[offset + 1] & 0xff) << 16)
                | ((digest[offset + 2] & 0xff) << 8)
                | (digest[offset + 3] & 0xff);
        return binary % POWERS_OF_TEN[digits];
    }

    /** Whether the code of this counter equals {@code code} (ASCII digits), compared in constant time. */
    boolean matches(long counter, byte[] code) {
        return MessageDigest.isEqual(Codes.ascii(value(counter, code.length), code.length), code);
    }

    /** A pool of engines for one HMAC algorithm. */
    static Pool<OathEngine> pool(String algorithm) {
        return new Pool<>(() -> {
            try {
                return new OathEngine(Mac.getInstance(algorithm));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(algorithm + " is not available in this JDK", e);
            }
        });
    }
}
