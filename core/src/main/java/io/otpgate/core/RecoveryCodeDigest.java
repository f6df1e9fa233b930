package io.otpgate.core;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The one-way keyed digest under which recovery codes are stored: HMAC-SHA-256 of the canonical code (see
 * {@link RecoveryCodes#normalize}) under a key that the caller keeps outside the database. A dump of the database
 * then reveals no code, not even by trying all codes, and a code is found by its digest with one indexed lookup.
 * Thread-safe.
 */
public final class RecoveryCodeDigest {

    /** The key must be at least as long as the HMAC-SHA-256 output. */
    public static final int MIN_KEY_LENGTH = 32;
    /** The digest length in bytes. */
    public static final int LENGTH = 32;

    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;
    private final Pool<Mac> macs = new Pool<>(this::newMac);

    /**
     * @param key the digest key (a "pepper"), at least {@value #MIN_KEY_LENGTH} bytes, kept outside the database
     * @throws IllegalArgumentException if the key is shorter
     */
    public RecoveryCodeDigest(OtpSecret key) {
        Inputs.notNull(key, "key");
        if (key.length() < MIN_KEY_LENGTH) {
            throw new IllegalArgumentException(
                    "recovery code digest key must be at least " + MIN_KEY_LENGTH + " bytes, got " + key.length());
        }
        this.key = new SecretKeySpec(key.bytes(), ALGORITHM);
    }

    /** The 32-byte digest of a canonical code. */
    public byte[] digest(String canonicalCode) {
        Inputs.notNull(canonicalCode, "code");
        Mac mac = macs.borrow();
        try {
            return mac.doFinal(canonicalCode.getBytes(StandardCharsets.UTF_8));
        } finally {
            macs.release(mac);
        }
    }

    /** The digest in lower-case hex (64 characters), for a text column. */
    public String digestHex(String canonicalCode) {
        return Hex.encode(digest(canonicalCode));
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is not available in this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "RecoveryCodeDigest[HMAC-SHA-256, key PROTECTED]";
    }
}
