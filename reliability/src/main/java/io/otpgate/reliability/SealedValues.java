package io.otpgate.reliability;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Optional;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opens the server's sealed columns with the run's key ring key, written again from the layout the server documents
 * (docs/OPERATIONS.md, "Data and secrets at rest"; the server's {@code SecretBox}): version byte 1, key id (4 bytes,
 * big-endian), a 12-byte nonce, then AES-256-GCM ciphertext with its 16-byte tag, under associated data
 * {@code table.column:rowId}. An independent reader: if the server wrote something else, nothing opens.
 */
public final class SealedValues {

    private static final int HEADER = 1 + 4 + 12;
    private static final int TAG_BYTES = 16;

    private final int keyId;
    private final byte[] key;

    /**
     * @param keyId the key's id in {@code OTPGATE_SECRETS_KEYS} (1 in a {@link ServerSetup})
     * @param key its 32 bytes
     */
    public SealedValues(int keyId, byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("key must be 32 bytes, got " + key.length);
        }
        this.keyId = keyId;
        this.key = key.clone();
    }

    /**
     * The plaintext of a sealed value of one column of one row.
     *
     * @return empty if it is not a sealed value, is sealed under another key, was altered, or belongs to another
     *     row or column
     */
    public Optional<byte[]> open(byte[] sealed, String table, String column, long rowId) {
        if (sealed == null || sealed.length < HEADER + TAG_BYTES || sealed[0] != 1) {
            return Optional.empty();
        }
        ByteBuffer in = ByteBuffer.wrap(sealed);
        in.get();
        if (in.getInt() != keyId) {
            return Optional.empty();
        }
        byte[] nonce = new byte[12];
        in.get(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
            cipher.updateAAD((table + '.' + column + ':' + rowId).getBytes(StandardCharsets.UTF_8));
            return Optional.of(cipher.doFinal(sealed, HEADER, sealed.length - HEADER));
        } catch (AEADBadTagException e) {
            return Optional.empty();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "SealedValues[key " + keyId + " PROTECTED]";
    }
}
