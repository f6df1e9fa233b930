package io.otpgate.core;

import java.util.Locale;

/** The HMAC functions of RFC 6238 §1.2, with the names the Key Uri Format uses. */
public enum HmacAlgorithm {
    SHA1("HmacSHA1", "SHA-1", 64, 20),
    SHA256("HmacSHA256", "SHA-256", 64, 32),
    SHA512("HmacSHA512", "SHA-512", 128, 64);

    private final String jcaName;
    private final int defaultSecretLength;
    final Pool<OathEngine> engines;

    HmacAlgorithm(String jcaName, String digestName, int blockSize, int defaultSecretLength) {
        this.jcaName = jcaName;
        this.defaultSecretLength = defaultSecretLength;
        this.engines = OathEngine.pool(digestName, blockSize);
    }

    /** The JCA algorithm name, e.g. {@code HmacSHA1}. */
    public String jcaName() {
        return jcaName;
    }

    /** The name in an otpauth URI's {@code algorithm} parameter: {@code SHA1}, {@code SHA256} or {@code SHA512}. */
    public String uriName() {
        return name();
    }

    /** The secret length in bytes that RFC 6238's reference uses for this hash: its output length. */
    public int defaultSecretLength() {
        return defaultSecretLength;
    }

    /**
     * Reads an otpauth {@code algorithm} parameter, ignoring case.
     *
     * @throws IllegalArgumentException if the name is none of SHA1, SHA256, SHA512
     */
    public static HmacAlgorithm fromUriName(String name) {
        if (name != null) {
            switch (name.toUpperCase(Locale.ROOT)) {
                case "SHA1": return SHA1;
                case "SHA256": return SHA256;
                case "SHA512": return SHA512;
                default: break;
            }
        }
        throw new IllegalArgumentException(
                "algorithm must be one of SHA1, SHA256, SHA512, got " + Inputs.quote(name));
    }
}
