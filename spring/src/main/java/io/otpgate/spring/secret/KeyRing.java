package io.otpgate.spring.secret;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256 keys that seal secrets at rest: one primary key that seals, and older keys that still open what they
 * sealed until {@code rotate-key} has re-sealed it. Written as text, one key per line or comma-separated,
 * {@code <id>:<base64 of 32 bytes>}, the primary first. Immutable; {@link #toString()} shows ids only.
 */
public final class KeyRing {

    /** AES-256. */
    public static final int KEY_LENGTH = 32;

    private final int primaryId;
    private final Map<Integer, SecretKey> keys;

    private KeyRing(int primaryId, Map<Integer, SecretKey> keys) {
        this.primaryId = primaryId;
        this.keys = Collections.unmodifiableMap(keys);
    }

    /** A ring of one new random key with id 1. */
    public static KeyRing generate(SecureRandom random) {
        return new KeyRing(0, Map.of()).withNewPrimary(random);
    }

    /**
     * Parses {@code id:base64} entries separated by commas, spaces or line breaks; lines starting with '#' are
     * comments. The first entry is the primary key.
     *
     * @throws IllegalArgumentException naming the entry (never the key) that is malformed, or if there is none
     */
    public static KeyRing parse(String text) {
        Map<Integer, SecretKey> keys = new LinkedHashMap<>();
        int primary = 0;
        int entry = 0;
        for (String line : text.split("\\R")) {
            if (line.strip().startsWith("#")) {
                continue;
            }
            for (String item : line.split("[,\\s]+")) {
                if (item.isEmpty()) {
                    continue;
                }
                entry++;
                int colon = item.indexOf(':');
                int id;
                byte[] bytes;
                try {
                    id = Integer.parseInt(item.substring(0, Math.max(colon, 0)));
                    bytes = Base64.getDecoder().decode(item.substring(colon + 1));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("key entry " + entry + " must be <id>:<base64 of "
                            + KEY_LENGTH + " bytes>");
                }
                if (id < 1 || bytes.length != KEY_LENGTH) {
                    throw new IllegalArgumentException("key entry " + entry + " must have an id of 1 or more and "
                            + KEY_LENGTH + " bytes, got id " + id + " and " + bytes.length + " bytes");
                }
                if (keys.putIfAbsent(id, new SecretKeySpec(bytes, "AES")) != null) {
                    throw new IllegalArgumentException("key id " + id + " appears twice");
                }
                if (primary == 0) {
                    primary = id;
                }
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("no key: expected <id>:<base64 of " + KEY_LENGTH + " bytes>");
        }
        return new KeyRing(primary, keys);
    }

    /** This ring with a new random primary key, whose id is one more than the highest; the old keys stay. */
    public KeyRing withNewPrimary(SecureRandom random) {
        byte[] bytes = new byte[KEY_LENGTH];
        random.nextBytes(bytes);
        int id = keys.keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        Map<Integer, SecretKey> next = new LinkedHashMap<>();
        next.put(id, new SecretKeySpec(bytes, "AES"));
        next.putAll(keys);
        return new KeyRing(id, next);
    }

    /** This ring with its primary key only. */
    public KeyRing primaryOnly() {
        return new KeyRing(primaryId, Map.of(primaryId, keys.get(primaryId)));
    }

    public int primaryId() {
        return primaryId;
    }

    SecretKey primary() {
        return keys.get(primaryId);
    }

    /** The key of that id, or null. */
    public SecretKey key(int id) {
        return keys.get(id);
    }

    public int size() {
        return keys.size();
    }

    /** The ids of the keys, primary first. */
    public Set<Integer> ids() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(keys.keySet()));
    }

    /** The text form, primary first, one entry per line: the content of a key file. Contains the keys. */
    public String exposeText() {
        StringBuilder text = new StringBuilder();
        keys.forEach((id, key) -> text.append(id).append(':')
                .append(Base64.getEncoder().encodeToString(key.getEncoded())).append('\n'));
        return text.toString();
    }

    @Override
    public String toString() {
        return "KeyRing[primary " + primaryId + ", ids " + keys.keySet() + ", keys PROTECTED]";
    }
}
