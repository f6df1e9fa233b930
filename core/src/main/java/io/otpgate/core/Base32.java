package io.otpgate.core;

import java.util.Arrays;

/**
 * Base32 of RFC 4648 §6, the encoding of secrets in otpauth URIs. Encoding is upper case without padding (as
 * authenticator apps expect); decoding ignores case, spaces and padding. Error messages give positions, never the
 * characters, since the text is usually a secret.
 */
public final class Base32 {

    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();
    private static final byte[] VALUES = new byte[128];

    static {
        Arrays.fill(VALUES, (byte) -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            VALUES[ALPHABET[i]] = (byte) i;
            VALUES[Character.toLowerCase(ALPHABET[i])] = (byte) i;
        }
    }

    private Base32() {
    }

    /** Encodes without padding: 20 bytes give 32 characters. */
    public static String encode(byte[] data) {
        Inputs.notNull(data, "data");
        StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(ALPHABET[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(ALPHABET[(buffer << (5 - bits)) & 31]);
        }
        return out.toString();
    }

    /**
     * Decodes Base32 text. Letters may be upper or lower case; spaces anywhere are ignored; trailing {@code =}
     * padding is optional. Bits left over after the last whole byte are ignored, as most decoders do.
     *
     * @throws IllegalArgumentException on a character outside the alphabet, padding in the middle, or a length that
     *     no byte string encodes to (1, 3 or 6 characters past a multiple of 8)
     */
    public static byte[] decode(String text) {
        Inputs.notNull(text, "text");
        byte[] out = new byte[text.length() * 5 / 8];
        int buffer = 0;
        int bits = 0;
        int symbols = 0;
        int written = 0;
        boolean padding = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ') {
                continue;
            }
            if (c == '=') {
                padding = true;
                continue;
            }
            int value = c < 128 ? VALUES[c] : -1;
            if (value < 0) {
                throw new IllegalArgumentException("Base32 text has a character outside A-Z, 2-7 at index " + i);
            }
            if (padding) {
                throw new IllegalArgumentException("Base32 text has padding before its end, at index " + i);
            }
            buffer = (buffer << 5) | value;
            bits += 5;
            symbols++;
            if (bits >= 8) {
                out[written++] = (byte) (buffer >>> (bits - 8));
                bits -= 8;
            }
        }
        int tail = symbols % 8;
        if (tail == 1 || tail == 3 || tail == 6) {
            throw new IllegalArgumentException(
                    "Base32 text has " + symbols + " symbols: no byte string encodes to that length");
        }
        return written == out.length ? out : Arrays.copyOf(out, written);
    }
}
