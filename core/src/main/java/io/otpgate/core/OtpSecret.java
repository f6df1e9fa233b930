package io.otpgate.core;

import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * Secret key material: the shared secret of an HOTP or TOTP device, or the key of a keyed digest. It is the one type
 * for secret bytes in otpgate.
 *
 * <p>Bytes are copied in and out. {@link #toString()} never shows them ({@code OtpSecret[20 bytes, PROTECTED]}); the
 * only ways out are the methods named {@code expose...}, so that every place that handles the raw secret can be
 * found with {@code grep expose}. Equality compares in constant time.
 */
public final class OtpSecret {

    /** RFC 4226 §4, R6: a shared secret must be at least 128 bits. Generated secrets are never shorter. */
    public static final int MIN_GENERATED_LENGTH = 16;

    /** An upper bound that keeps a hostile input from costing memory; far above any real key (64 bytes). */
    public static final int MAX_LENGTH = 1024;

    private final byte[] bytes;

    private OtpSecret(byte[] bytes) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException("secret must not be empty");
        }
        if (bytes.length > MAX_LENGTH) {
            throw new IllegalArgumentException(
                    "secret must be at most " + MAX_LENGTH + " bytes, got " + bytes.length);
        }
        this.bytes = bytes;
    }

    /**
     * A new random secret of the length RFC 6238 uses for the algorithm: 20 bytes for SHA1, 32 for SHA256, 64 for
     * SHA512.
     */
    public static OtpSecret generate(HmacAlgorithm algorithm, SecureRandom random) {
        return generate(Inputs.notNull(algorithm, "algorithm").defaultSecretLength(), random);
    }

    /**
     * A new random secret of {@code length} bytes.
     *
     * @throws IllegalArgumentException if length is under {@value #MIN_GENERATED_LENGTH} or over {@value #MAX_LENGTH}
     */
    public static OtpSecret generate(int length, SecureRandom random) {
        Inputs.inRange(length, MIN_GENERATED_LENGTH, MAX_LENGTH, "secret length");
        byte[] bytes = new byte[length];
        Inputs.notNull(random, "random").nextBytes(bytes);
        return new OtpSecret(bytes);
    }

    /**
     * A secret from existing bytes (copied), e.g. a key imported from django-otp. Any length from 1 to
     * {@value #MAX_LENGTH} bytes is accepted, since existing authenticators must keep working; new secrets come
     * from {@link #generate}.
     */
    public static OtpSecret ofBytes(byte[] bytes) {
        return new OtpSecret(Inputs.notNull(bytes, "secret").clone());
    }

    /**
     * A secret from Base32 text (RFC 4648 §6), as in an otpauth URI or typed from a setup page: case, spaces and
     * padding do not matter.
     *
     * @throws IllegalArgumentException if the text is not Base32 or decodes to nothing; the message never contains
     *     the text
     */
    public static OtpSecret fromBase32(String base32) {
        return new OtpSecret(Base32.decode(Inputs.notNull(base32, "secret")));
    }

    /**
     * A secret from hexadecimal text, as django-otp stores its keys.
     *
     * @throws IllegalArgumentException if the text is not hex or is empty; the message never contains the text
     */
    public static OtpSecret fromHex(String hex) {
        return new OtpSecret(Hex.decode(Inputs.notNull(hex, "secret")));
    }

    /** The length in bytes. */
    public int length() {
        return bytes.length;
    }

    /** A copy of the raw bytes. Handle with care: this is the secret. */
    public byte[] exposeBytes() {
        return bytes.clone();
    }

    /** The secret in Base32 without padding, as in an otpauth URI. Handle with care: this is the secret. */
    public String exposeBase32() {
        return Base32.encode(bytes);
    }

    /** The secret in lower-case hex, as django-otp stores keys. Handle with care: this is the secret. */
    public String exposeHex() {
        return Hex.encode(bytes);
    }

    /** The bytes themselves, for this package's HMAC code only; never modified, never handed out. */
    byte[] bytes() {
        return bytes;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof OtpSecret && MessageDigest.isEqual(bytes, ((OtpSecret) other).bytes);
    }

    /** Depends on the length only, so that a hash table reveals nothing of the bytes. */
    @Override
    public int hashCode() {
        return bytes.length;
    }

    @Override
    public String toString() {
        return "OtpSecret[" + bytes.length + " bytes, PROTECTED]";
    }
}
