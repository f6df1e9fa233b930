package io.otpgate.spring.secret;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

import io.otpgate.core.OtpSecret;

/**
 * Seals secrets for storage with AES-256-GCM under the primary key of the {@link KeyRing}, and opens them with
 * whichever key sealed them. The associated data names where the ciphertext belongs ({@link SealedColumn} and the
 * row id), so a sealed value copied to another row or column does not open.
 *
 * <p>Layout: version byte {@code 1}, key id (4 bytes, big-endian), nonce (12 random bytes), ciphertext with its
 * 16-byte tag. Thread-safe.
 */
public final class SecretBox {

    private static final byte VERSION = 1;
    private static final int NONCE_LENGTH = 12;
    private static final int TAG_BITS = 128;
    private static final int HEADER = 1 + 4 + NONCE_LENGTH;

    /** How often, at most, a key file is looked at for a change. */
    public static final Duration KEY_FILE_CHECK_INTERVAL = Duration.ofMillis(500);

    private final AtomicReference<KeyRing> ring;
    private final SecureRandom random;
    private final Path keyFile;
    private volatile long nextCheck;
    private volatile Object keyFileStamp;

    /** A box with a fixed ring (keys from configuration, or a tool such as a test). */
    public SecretBox(KeyRing ring, SecureRandom random) {
        this(ring, random, null);
    }

    /**
     * A box that follows a key file: when the file is replaced (another process ran {@code rotate-key}), the box
     * reads it again within {@link #KEY_FILE_CHECK_INTERVAL}, and at once when it meets a key id it does not know.
     * So every server sharing the database seals under the new key shortly after a rotation began.
     *
     * @param keyFile the file the ring was read from, or null for a fixed ring
     */
    public SecretBox(KeyRing ring, SecureRandom random, Path keyFile) {
        this.ring = new AtomicReference<>(ring);
        this.random = random;
        this.keyFile = keyFile;
        this.keyFileStamp = keyFile == null ? null : stamp(keyFile);
        this.nextCheck = System.nanoTime() + KEY_FILE_CHECK_INTERVAL.toNanos();
    }

    /** The ring in use. */
    public KeyRing keyRing() {
        followKeyFile(false);
        return ring.get();
    }

    /** Uses another ring from now on (after a key rotation). */
    public void useKeyRing(KeyRing next) {
        ring.set(next);
    }

    /** Seals bytes for one column of one row. The plaintext array is not kept. */
    public byte[] seal(byte[] plaintext, SealedColumn column, long rowId) {
        KeyRing keys = keyRing();
        byte[] nonce = new byte[NONCE_LENGTH];
        random.nextBytes(nonce);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, keys.primary(), nonce, column, rowId);
            ByteBuffer out = ByteBuffer.allocate(HEADER + cipher.getOutputSize(plaintext.length));
            out.put(VERSION).putInt(keys.primaryId()).put(nonce);
            cipher.doFinal(ByteBuffer.wrap(plaintext), out);
            return out.array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
    }

    /** Seals an OTP secret. */
    public byte[] seal(OtpSecret secret, SealedColumn column, long rowId) {
        byte[] bytes = secret.exposeBytes();
        try {
            return seal(bytes, column, rowId);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** Seals text (UTF-8). */
    public byte[] sealText(String text, SealedColumn column, long rowId) {
        return seal(text.getBytes(StandardCharsets.UTF_8), column, rowId);
    }

    /**
     * Opens what {@link #seal} sealed for the same column and row.
     *
     * @throws SealedValueException if the key is unknown, or the value was altered or belongs elsewhere
     */
    public byte[] open(byte[] sealed, SealedColumn column, long rowId) {
        if (sealed == null || sealed.length < HEADER + TAG_BITS / 8 || sealed[0] != VERSION) {
            throw new SealedValueException(column + " of row " + rowId + " is not a sealed value");
        }
        ByteBuffer in = ByteBuffer.wrap(sealed);
        in.get();
        int keyId = in.getInt();
        SecretKey key = keyRing().key(keyId);
        if (key == null && keyFile != null) {
            followKeyFile(true);
            key = ring.get().key(keyId);
        }
        if (key == null) {
            throw new SealedValueException(column + " of row " + rowId + " is sealed under key " + keyId
                    + ", which is not in the key ring (" + ring.get() + ")");
        }
        byte[] nonce = new byte[NONCE_LENGTH];
        in.get(nonce);
        try {
            Cipher cipher = cipher(Cipher.DECRYPT_MODE, key, nonce, column, rowId);
            return cipher.doFinal(sealed, HEADER, sealed.length - HEADER);
        } catch (AEADBadTagException e) {
            throw new SealedValueException(column + " of row " + rowId
                    + " does not open: altered, or sealed for another row");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
    }

    /** Opens an OTP secret. */
    public OtpSecret openSecret(byte[] sealed, SealedColumn column, long rowId) {
        byte[] bytes = open(sealed, column, rowId);
        try {
            return OtpSecret.ofBytes(bytes);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** Opens text. */
    public String openText(byte[] sealed, SealedColumn column, long rowId) {
        return new String(open(sealed, column, rowId), StandardCharsets.UTF_8);
    }

    /** Reads the key file again if it was replaced since it was last read (or if {@code now}). */
    private void followKeyFile(boolean now) {
        if (keyFile == null || (!now && System.nanoTime() - nextCheck < 0)) {
            return;
        }
        synchronized (this) {
            nextCheck = System.nanoTime() + KEY_FILE_CHECK_INTERVAL.toNanos();
            Object current = stamp(keyFile);
            if (current != null && !current.equals(keyFileStamp)) {
                try {
                    ring.set(KeyFile.read(keyFile));
                    keyFileStamp = current;
                } catch (IllegalStateException e) {
                    // Half-written or unreadable for a moment: keep the ring in use and look again next time.
                }
            }
        }
    }

    /** What identifies one version of a file: a rotation replaces it (a new inode) or at least touches it. */
    private static Object stamp(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(String.valueOf(attributes.fileKey()), attributes.lastModifiedTime(), attributes.size());
        } catch (IOException e) {
            return null;
        }
    }

    /** The id of the key that sealed a value, without opening it. */
    public static int keyIdOf(byte[] sealed) {
        return ByteBuffer.wrap(sealed, 1, 4).getInt();
    }

    private static Cipher cipher(int mode, SecretKey key, byte[] nonce, SealedColumn column, long rowId)
            throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD((column.boundName() + ':' + rowId).getBytes(StandardCharsets.UTF_8));
        return cipher;
    }

    @Override
    public String toString() {
        return "SecretBox[AES-256-GCM, " + ring.get() + "]";
    }
}
