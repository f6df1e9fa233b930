package io.otpgate.core;

import java.security.DigestException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The HOTP function of RFC 4226 §5.3 with reusable state. Not thread-safe: borrow one from the algorithm's
 * {@link Pool}, use it on one thread, give it back.
 *
 * <p>HMAC (RFC 2104) is {@code H(K^opad || H(K^ipad || message))}. {@code javax.crypto.Mac} absorbs the two keyed
 * pad blocks again for every message: four hash compressions for an 8-byte counter. A verification tries several
 * counters under one key, so {@link #init} absorbs each pad once and every counter then clones those two states and
 * costs two compressions. {@code OathEngineTest} checks this against {@code javax.crypto.Mac} for every algorithm
 * and key lengths on both sides of the block size.
 */
final class OathEngine {

    private static final int[] POWERS_OF_TEN = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000,
            100_000_000};

    private final MessageDigest keyedInner;
    private final MessageDigest keyedOuter;
    private final byte[] pad;
    private final byte[] message = new byte[8];
    private final byte[] digest;

    private OathEngine(String digestAlgorithm, int blockSize) throws GeneralSecurityException {
        this.keyedInner = MessageDigest.getInstance(digestAlgorithm);
        this.keyedOuter = MessageDigest.getInstance(digestAlgorithm);
        this.pad = new byte[blockSize];
        this.digest = new byte[keyedInner.getDigestLength()];
    }

    /** Keys the engine with the secret; every later call uses it until the next {@code init}. */
    void init(OtpSecret secret) {
        byte[] key = secret.bytes();
        if (key.length > pad.length) {
            keyedInner.reset();
            key = keyedInner.digest(key);  // RFC 2104 §2: a key longer than a block is hashed first
        }
        keyed(keyedInner, key, (byte) 0x36);
        keyed(keyedOuter, key, (byte) 0x5c);
    }

    private void keyed(MessageDigest state, byte[] key, byte padByte) {
        Arrays.fill(pad, padByte);
        for (int i = 0; i < key.length; i++) {
            pad[i] ^= key[i];
        }
        state.reset();
        state.update(pad);
        Arrays.fill(pad, (byte) 0);
    }

    /** The HOTP value of the counter (RFC 4226 §5.3 dynamic truncation), reduced to {@code digits} digits. */
    int value(long counter, int digits) {
        for (int i = 7; i >= 0; i--) {
            message[i] = (byte) counter;
            counter >>>= 8;
        }
        try {
            MessageDigest inner = (MessageDigest) keyedInner.clone();
            inner.update(message);
            inner.digest(digest, 0, digest.length);
            MessageDigest outer = (MessageDigest) keyedOuter.clone();
            outer.update(digest);
            outer.digest(digest, 0, digest.length);
        } catch (CloneNotSupportedException | DigestException e) {
            throw new IllegalStateException(keyedInner.getAlgorithm() + " state cannot be cloned or finished here", e);
        }
        int offset = digest[digest.length - 1] & 0x0f;
        int binary = ((digest[offset] & 0x7f) << 24)
                | ((digest[offset + 1] & 0xff) << 16)
                | ((digest[offset + 2] & 0xff) << 8)
                | (digest[offset + 3] & 0xff);
        return binary % POWERS_OF_TEN[digits];
    }

    /**
     * Erases the key: both keyed hash states go back to their initial values, and the last message and HMAC are
     * zeroed. The pool calls it on every engine given back, so an idle engine holds nothing of a user's secret.
     */
    void clear() {
        keyedInner.reset();
        keyedOuter.reset();
        Arrays.fill(message, (byte) 0);
        Arrays.fill(digest, (byte) 0);
    }

    /** The full HMAC of the last counter given to {@link #value}, for tests. */
    byte[] lastHmac() {
        return digest.clone();
    }

    /** Whether the code of this counter equals {@code code} (ASCII digits), compared in constant time. */
    boolean matches(long counter, byte[] code) {
        return MessageDigest.isEqual(Codes.ascii(value(counter, code.length), code.length), code);
    }

    /** A pool of engines for one hash function; each engine given back is {@linkplain #clear() cleared}. */
    static Pool<OathEngine> pool(String digestAlgorithm, int blockSize) {
        return new Pool<>(() -> newEngine(digestAlgorithm, blockSize), OathEngine::clear);
    }

    static OathEngine newEngine(String digestAlgorithm, int blockSize) {
        try {
            return new OathEngine(digestAlgorithm, blockSize);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(digestAlgorithm + " is not available in this JDK", e);
        }
    }
}
