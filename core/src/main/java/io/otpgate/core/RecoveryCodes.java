package io.otpgate.core;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Recovery codes: single-use codes a user keeps on paper for when the authenticator is lost (django-otp's static
 * tokens, made stronger).
 *
 * <p>A code is {@code length} symbols of Crockford's Base32 alphabet in lower case
 * ({@code 0123456789abcdefghjkmnpqrstvwxyz}: no {@code i}, {@code l}, {@code o} or {@code u}), 5 bits a symbol, shown
 * in groups for reading: the default 16 symbols are 80 bits, shown as {@code xxxx-xxxx-xxxx-xxxx}.
 * {@link #normalize} turns what a user types back into the canonical form: case, spaces and dashes do not matter,
 * and the look-alikes {@code o}, {@code i} and {@code l} read as {@code 0}, {@code 1} and {@code 1}. Store only the
 * {@link RecoveryCodeDigest} of the canonical form. Immutable and thread-safe.
 */
public final class RecoveryCodes {

    /** 16 symbols of 5 bits: 80 bits, the least a code may have. */
    public static final int MIN_LENGTH = 16;
    public static final int MAX_LENGTH = 64;
    /** Codes issued at once: django-otp's examples issue 10, the REST API issues 5. */
    public static final int MAX_COUNT = 100;

    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final byte[] CANONICAL = new byte[128];

    static {
        for (char c : ALPHABET) {
            CANONICAL[c] = (byte) c;
            CANONICAL[Character.toUpperCase(c)] = (byte) c;
        }
        for (char c : "oO".toCharArray()) {
            CANONICAL[c] = '0';
        }
        for (char c : "iIlL".toCharArray()) {
            CANONICAL[c] = '1';
        }
    }

    private final int length;
    private final int groupSize;

    private RecoveryCodes(int length, int groupSize) {
        this.length = Inputs.inRange(length, MIN_LENGTH, MAX_LENGTH, "recovery code length");
        this.groupSize = Inputs.inRange(groupSize, 1, length, "recovery code group size");
    }

    /** 16 symbols (80 bits) in groups of 4. */
    public static RecoveryCodes defaults() {
        return new RecoveryCodes(16, 4);
    }

    /**
     * @param length symbols a code, {@value #MIN_LENGTH}..{@value #MAX_LENGTH} (5 bits each)
     * @param groupSize symbols between dashes when shown
     */
    public static RecoveryCodes of(int length, int groupSize) {
        return new RecoveryCodes(length, groupSize);
    }

    public int length() {
        return length;
    }

    /** The strength of one code in bits. */
    public int bits() {
        return length * 5;
    }

    /**
     * {@code count} distinct new codes, formatted for showing ({@code xxxx-xxxx-...}). Show them once; store their
     * digests.
     *
     * @throws IllegalArgumentException if count is not 1..{@value #MAX_COUNT}
     */
    public List<String> generate(int count, SecureRandom random) {
        Inputs.inRange(count, 1, MAX_COUNT, "count");
        Inputs.notNull(random, "random");
        Set<String> codes = new LinkedHashSet<>();
        while (codes.size() < count) {
            char[] code = new char[length];
            for (int i = 0; i < length; i++) {
                code[i] = ALPHABET[random.nextInt(ALPHABET.length)];
            }
            codes.add(format(new String(code)));
        }
        return new ArrayList<>(codes);
    }

    /**
     * The canonical form of what a user typed: lower case, without spaces or dashes, look-alikes mapped. Empty when
     * it cannot be a code of this length (wrong length, other characters, or null).
     */
    public Optional<String> normalize(CharSequence typed) {
        if (typed == null || typed.length() > 4 * length) {
            return Optional.empty();
        }
        char[] canonical = new char[length];
        int n = 0;
        for (int i = 0; i < typed.length(); i++) {
            char c = typed.charAt(i);
            if (c == ' ' || c == '-' || c == '\t') {
                continue;
            }
            if (c >= 128 || CANONICAL[c] == 0 || n == length) {
                return Optional.empty();
            }
            canonical[n++] = (char) CANONICAL[c];
        }
        return n == length ? Optional.of(new String(canonical)) : Optional.empty();
    }

    /**
     * A canonical code in groups for showing: {@code abcd-efgh-jkmn-pqrs}.
     *
     * @throws IllegalArgumentException if the text is not a canonical code of this length
     */
    public String format(String canonical) {
        if (canonical == null || !normalize(canonical).map(canonical::equals).orElse(false)) {
            throw new IllegalArgumentException("not a canonical recovery code of " + length + " symbols");
        }
        StringBuilder shown = new StringBuilder(length + length / groupSize);
        for (int i = 0; i < length; i++) {
            if (i > 0 && i % groupSize == 0) {
                shown.append('-');
            }
            shown.append(canonical.charAt(i));
        }
        return shown.toString();
    }

    @Override
    public String toString() {
        return "RecoveryCodes[" + length + " symbols, " + bits() + " bits, groups of " + groupSize + "]";
    }
}
