package io.otpgate.server.user;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * argon2id password hashes in the PHC string format that Spring Security's Argon2PasswordEncoder writes and reads,
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>} (standard Base64 without padding), so hashes move both ways
 * between the two. New hashes use this hasher's parameters; a stored hash is checked with its own, and one with
 * less memory, fewer iterations, a shorter salt or a shorter hash {@linkplain #upgradeEncoding asks for an upgrade}.
 *
 * <p>At most {@code concurrency} hashes run at once, the others wait their turn (first come, first served): each
 * holds its memory cost until it is done, and more hashes than cores only make each slower.
 */
final class Argon2idHasher implements PasswordEncoder {

    /**
     * The largest parameters of a stored hash that are computed: a hash that claims more (a damaged or forged row)
     * does not match, rather than allocating gigabytes or running for minutes.
     */
    static final int MAX_MEMORY_KIB = 1 << 20;
    static final int MAX_ITERATIONS = 64;
    static final int MAX_PARALLELISM = 16;

    /** Salt 8..64 bytes (11..86 Base64 characters), hash 16..64 bytes (22..86). */
    private static final Pattern PHC = Pattern.compile("\\$argon2id\\$v=19\\$m=([0-9]{1,7}),t=([0-9]{1,2}),"
            + "p=([0-9]{1,2})\\$([A-Za-z0-9+/]{11,86})\\$([A-Za-z0-9+/]{22,86})");
    private static final Base64.Encoder BASE64 = Base64.getEncoder().withoutPadding();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Argon2id function;
    private final int memoryKib;
    private final int iterations;
    private final int parallelism;
    private final int saltLength;
    private final int hashLength;
    private final Semaphore permits;

    /**
     * @param function computes the hashes
     * @param memoryKib memory cost of new hashes, in KiB
     * @param saltLength bytes of random salt in a new hash
     * @param hashLength bytes of a new hash
     * @param concurrency the most hashes computed at once
     */
    Argon2idHasher(Argon2id function, int memoryKib, int iterations, int parallelism, int saltLength,
            int hashLength, int concurrency) {
        if (function == null) {
            throw new IllegalArgumentException("function cannot be null");
        }
        if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
            throw new IllegalArgumentException("parallelism must be 1.." + MAX_PARALLELISM + ", got " + parallelism);
        }
        if (memoryKib < 8 * parallelism || memoryKib > MAX_MEMORY_KIB) {
            throw new IllegalArgumentException("memoryKib must be " + 8 * parallelism + ".." + MAX_MEMORY_KIB
                    + ", got " + memoryKib);
        }
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations must be 1.." + MAX_ITERATIONS + ", got " + iterations);
        }
        if (saltLength < 8 || saltLength > 64) {
            throw new IllegalArgumentException("saltLength must be 8..64, got " + saltLength);
        }
        if (hashLength < 16 || hashLength > 64) {
            throw new IllegalArgumentException("hashLength must be 16..64, got " + hashLength);
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
        this.function = function;
        this.memoryKib = memoryKib;
        this.iterations = iterations;
        this.parallelism = parallelism;
        this.saltLength = saltLength;
        this.hashLength = hashLength;
        this.permits = new Semaphore(concurrency, true);
    }

    /** Which implementation computes the hashes. */
    String implementation() {
        return function.name();
    }

    /**
     * A new hash of the password with a fresh salt: {@code $argon2id$v=19$m=...,t=...,p=...$salt$hash}.
     *
     * @throws IllegalArgumentException for a null password or one with a lone UTF-16 surrogate
     */
    @Override
    public String encode(CharSequence rawPassword) {
        if (rawPassword == null) {
            throw new IllegalArgumentException("rawPassword cannot be null");
        }
        byte[] salt = new byte[saltLength];
        RANDOM.nextBytes(salt);
        byte[] hash;
        try {
            hash = hash(rawPassword, salt, memoryKib, iterations, parallelism, hashLength);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("rawPassword must be Unicode text, without a lone UTF-16 surrogate");
        }
        return "$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism
                + "$" + BASE64.encodeToString(salt) + "$" + BASE64.encodeToString(hash);
    }

    /**
     * Whether the password gives the stored hash, compared in constant time; false for a malformed hash and for a
     * password with a lone UTF-16 surrogate (no hash has one: Spring's encoder refused them).
     */
    @Override
    public boolean matches(CharSequence rawPassword, String encodedPassword) {
        if (rawPassword == null) {
            return false;
        }
        Optional<Stored> stored = Stored.parse(encodedPassword);
        if (stored.isEmpty()) {
            return false;
        }
        Stored s = stored.get();
        try {
            return MessageDigest.isEqual(
                    hash(rawPassword, s.salt, s.memoryKib, s.iterations, s.parallelism, s.hash.length), s.hash);
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Whether the stored hash is weaker than a new one would be; false for a malformed one (it never matches). */
    @Override
    public boolean upgradeEncoding(String encodedPassword) {
        return Stored.parse(encodedPassword).filter(s -> s.memoryKib < memoryKib || s.iterations < iterations
                || s.salt.length < saltLength || s.hash.length < hashLength).isPresent();
    }

    /**
     * The hash of the password's UTF-8 bytes, as Spring's Argon2PasswordEncoder (Bouncy Castle) reads a password.
     *
     * @throws CharacterCodingException for a lone UTF-16 surrogate, which has no UTF-8 (Bouncy Castle throws too;
     *     replacing it, as {@code String.getBytes} does, would make two passwords one)
     */
    private byte[] hash(CharSequence password, byte[] salt, int memoryKib, int iterations, int parallelism,
            int hashLength) throws CharacterCodingException {
        ByteBuffer utf8 = StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(password));
        byte[] bytes = new byte[utf8.remaining()];
        utf8.get(bytes);
        if (utf8.hasArray()) {
            Arrays.fill(utf8.array(), (byte) 0);
        }
        try {
            permits.acquireUninterruptibly();
            try {
                return function.hash(bytes, salt, memoryKib, iterations, parallelism, hashLength);
            } finally {
                permits.release();
            }
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** A parsed PHC string within the bounds above. */
    private record Stored(int memoryKib, int iterations, int parallelism, byte[] salt, byte[] hash) {

        static Optional<Stored> parse(String encoded) {
            if (encoded == null) {
                return Optional.empty();
            }
            Matcher phc = PHC.matcher(encoded);
            if (!phc.matches()) {
                return Optional.empty();
            }
            int memoryKib = Integer.parseInt(phc.group(1));
            int iterations = Integer.parseInt(phc.group(2));
            int parallelism = Integer.parseInt(phc.group(3));
            if (parallelism < 1 || parallelism > MAX_PARALLELISM || iterations < 1 || iterations > MAX_ITERATIONS
                    || memoryKib < 8 * parallelism || memoryKib > MAX_MEMORY_KIB) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Stored(memoryKib, iterations, parallelism,
                        Base64.getDecoder().decode(phc.group(4)), Base64.getDecoder().decode(phc.group(5))));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
    }
}
