package io.otpgate.core.fuzz;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads typed values off a fuzzer's raw input, front to back, with a fixed and simple layout so that seed files can
 * be written by hand (see {@code Seeds}): numbers are big-endian, a string is a length byte then that many UTF-16
 * chars (two bytes each, so unpaired surrogates can occur), and an input that runs out reads as zeros. Shared with
 * the server's fuzz tests through the core test jar.
 */
public final class FuzzBytes {

    private final ByteBuffer buffer;

    public FuzzBytes(byte[] input) {
        this.buffer = ByteBuffer.wrap(input);
    }

    public int u8() {
        return buffer.hasRemaining() ? buffer.get() & 0xff : 0;
    }

    public boolean bool() {
        return (u8() & 1) == 1;
    }

    public int i32() {
        return buffer.remaining() >= 4 ? buffer.getInt() : drain();
    }

    public long i64() {
        return buffer.remaining() >= 8 ? buffer.getLong() : drain();
    }

    /** One of the values, picked by one byte. */
    @SafeVarargs
    public final <T> T pick(T... values) {
        return values[u8() % values.length];
    }

    /** A length byte, then as many UTF-16 chars (at most {@code maxChars}). */
    public String utf16(int maxChars) {
        int length = Math.min(u8(), maxChars);
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length && buffer.remaining() >= 2; i++) {
            text.append(buffer.getChar());
        }
        return text.toString();
    }

    /** A length byte (times {@code unit}), then as many bytes. */
    public byte[] bytes(int unit) {
        byte[] bytes = new byte[Math.min(u8() * unit, buffer.remaining())];
        buffer.get(bytes);
        return bytes;
    }

    /** What is left, as raw bytes. */
    public byte[] rest() {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /** What is left, as UTF-8 (malformed sequences become U+FFFD). */
    public String restAsUtf8() {
        return new String(rest(), StandardCharsets.UTF_8);
    }

    private int drain() {
        buffer.position(buffer.limit());
        return 0;
    }
}
