package io.otpgate.server.user;

import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.crypto.password.DelegatingPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Password hashing: Spring Security's delegating encoder, argon2id ({@code {argon2}...}) for every new hash, and
 * Django's {@code pbkdf2_sha256$...} hashes (stored as Django wrote them, without a prefix) accepted and flagged
 * for upgrade. argon2id runs in Debian's libargon2 when it loads, else in Bouncy Castle's Java code, with OWASP's
 * parameters (Password Storage Cheat Sheet: 19 MiB, 2 iterations, 1 lane); older argon2id hashes with Spring
 * Security's defaults (16 MiB) still match and are flagged for upgrade.
 */
@Component
public class Passwords {

    /** Passwords shorter than this are refused (Django's MinimumLengthValidator default). */
    public static final int MIN_LENGTH = 8;
    /** Django's {@code UNUSABLE_PASSWORD_PREFIX}: a stored hash that starts with it never matches. */
    public static final String UNUSABLE_PREFIX = "!";
    /** Longer passwords are refused before any hashing: a megabyte of password is an attack, not a password. */
    public static final int MAX_LENGTH = 1024;

    /** argon2id parameters of new hashes, as {@link #parameters()} states them. */
    static final int MEMORY_KIB = 19_456;
    static final int ITERATIONS = 2;
    static final int PARALLELISM = 1;
    static final int SALT_LENGTH = 16;
    static final int HASH_LENGTH = 32;

    private static final Logger log = LoggerFactory.getLogger(Passwords.class);

    private final Argon2idHasher argon2;
    private final PasswordEncoder encoder;
    /**
     * Checked against when the user does not exist, so that the answer takes as long as for a real user. Made on
     * first need: a command that checks no password should not pay for it at start-up.
     */
    private volatile String decoy;

    public Passwords() {
        // At most one hash a processor at once: each holds 19 MiB, and more would only share the cores.
        int concurrency = Runtime.getRuntime().availableProcessors();
        this.argon2 = new Argon2idHasher(Argon2id.fastestInBackground(chosen -> log.info(
                "password hashes: {}, computed by {}, at most {} at once", parameters(), chosen.name(), concurrency)),
                MEMORY_KIB, ITERATIONS, PARALLELISM, SALT_LENGTH, HASH_LENGTH, concurrency);
        DelegatingPasswordEncoder delegating = new DelegatingPasswordEncoder("argon2", Map.of("argon2", argon2));
        delegating.setDefaultPasswordEncoderForMatches(new DjangoPasswordEncoder());
        this.encoder = delegating;
    }

    /** The argon2id parameters of new hashes, for people who size servers (never the hash). */
    public static String parameters() {
        return "argon2id, memory 19456 KiB, 2 iterations, parallelism 1, salt 16 bytes, hash 32 bytes";
    }

    /** Which argon2id implementation computes the hashes: {@code "native libargon2.so.1"} or Bouncy Castle's. */
    public String implementation() {
        return argon2.implementation();
    }

    /**
     * Hashes a new password.
     *
     * @throws IllegalArgumentException if it is shorter than {@value #MIN_LENGTH} or longer than
     *     {@value #MAX_LENGTH} characters, or has a lone UTF-16 surrogate (the message never contains the password)
     */
    public String hash(CharSequence password) {
        check(password);
        return encoder.encode(password);
    }

    private String decoy() {
        String hash = decoy;
        if (hash == null) {
            hash = encoder.encode("otpgate decoy password");
            decoy = hash;
        }
        return hash;
    }

    /** Hashes a password that has just matched an older hash, without the rules for new passwords. */
    String rehash(CharSequence password) {
        return encoder.encode(password);
    }

    /** Checks the rule a new password must follow, without hashing it. */
    public static void check(CharSequence password) {
        if (password == null || password.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("password must have at least " + MIN_LENGTH + " characters");
        }
        if (password.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("password must have at most " + MAX_LENGTH + " characters");
        }
        if (!isUnicode(password)) {
            throw new IllegalArgumentException("password must be Unicode text, without a lone UTF-16 surrogate");
        }
    }

    /** Whether every surrogate is half of a pair: only then has the text a UTF-8 form to hash. */
    private static boolean isUnicode(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the password matches the stored hash. A null hash (no such user) and an unusable one (Django's
     * {@code !...}, kept by import-django) cost the same as a real check, and fail. A password that is too long or
     * has a lone UTF-16 surrogate (JSON can carry one) fails at once, whoever the user.
     */
    public boolean matches(CharSequence password, String storedHash) {
        if (password == null || password.length() > MAX_LENGTH || !isUnicode(password)) {
            return false;
        }
        if (storedHash == null || storedHash.startsWith(UNUSABLE_PREFIX)) {
            encoder.matches(password, decoy());
            return false;
        }
        return encoder.matches(password, storedHash);
    }

    /** Whether a hash should be replaced after the next successful check (a Django hash, or older parameters). */
    public boolean needsUpgrade(String storedHash) {
        return encoder.upgradeEncoding(storedHash);
    }

    /** Whether a stored hash is one otpgate can check: argon2 or Django's PBKDF2-SHA256. */
    public static boolean isSupportedHash(String storedHash) {
        return storedHash != null
                && (storedHash.startsWith("{argon2}") || DjangoPasswordEncoder.isDjangoHash(storedHash));
    }
}
