package io.otpgate.server.user;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Django's default password hasher, {@code pbkdf2_sha256$<iterations>$<salt>$<base64 hash>}: PBKDF2-HMAC-SHA256
 * of the UTF-8 password with the salt's UTF-8 bytes, 32 bytes. It only checks imported hashes; otpgate hashes new
 * passwords with argon2id, and a Django hash is replaced by one on the next successful login.
 */
final class DjangoPasswordEncoder implements PasswordEncoder {

    static final String PREFIX = "pbkdf2_sha256$";
    /** More than any Django release has used (1 200 000 in Django 5.2), to bound the cost of a forged hash. */
    static final int MAX_ITERATIONS = 10_000_000;

    private final SecureRandom random = new SecureRandom();

    /** Whether a stored hash has Django's PBKDF2-SHA256 form, with sane iterations, salt and length. */
    static boolean isDjangoHash(String encoded) {
        return parse(encoded) != null;
    }

    @Override
    public String encode(CharSequence rawPassword) {
        byte[] saltBytes = new byte[16];
        random.nextBytes(saltBytes);
        String salt = Base64.getEncoder().withoutPadding().encodeToString(saltBytes).replace('+', 'a').replace('/', 'b');
        int iterations = 600_000;
        return PREFIX + iterations + "$" + salt + "$"
                + Base64.getEncoder().encodeToString(pbkdf2(rawPassword, salt, iterations, 32));
    }

    @Override
    public boolean matches(CharSequence rawPassword, String encodedPassword) {
        Parsed parsed = parse(encodedPassword);
        if (rawPassword == null || parsed == null) {
            return false;
        }
        byte[] actual = pbkdf2(rawPassword, parsed.salt, parsed.iterations, parsed.hash.length);
        return MessageDigest.isEqual(actual, parsed.hash);
    }

    @Override
    public boolean upgradeEncoding(String encodedPassword) {
        return true;
    }

    private static byte[] pbkdf2(CharSequence password, String salt, int iterations, int length) {
        char[] chars = password.toString().toCharArray();
        PBEKeySpec spec = new PBEKeySpec(chars, salt.getBytes(StandardCharsets.UTF_8), iterations, length * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JDK", e);
        } finally {
            spec.clearPassword();
            java.util.Arrays.fill(chars, '\0');
        }
    }

    private record Parsed(int iterations, String salt, byte[] hash) {
    }

    private static Parsed parse(String encoded) {
        if (encoded == null || !encoded.startsWith(PREFIX) || encoded.length() > 512) {
            return null;
        }
        String[] parts = encoded.split("\\$", -1);
        if (parts.length != 4 || parts[2].isEmpty() || parts[2].contains("$")) {
            return null;
        }
        try {
            int iterations = Integer.parseInt(parts[1]);
            byte[] hash = Base64.getDecoder().decode(parts[3]);
            if (iterations < 1 || iterations > MAX_ITERATIONS || hash.length < 16 || hash.length > 64) {
                return null;
            }
            return new Parsed(iterations, parts[2], hash);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
