package io.otpgate.core;

/**
 * Hexadecimal (RFC 4648 §8, Base16), the form in which django-otp stores keys. Encoding is lower case; decoding
 * ignores case. Error messages give positions, never the characters, since the text is usually a secret.
 */
public final class Hex {

    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Hex() {
    }

    public static String encode(byte[] data) {
        Inputs.notNull(data, "data");
        char[] out = new char[data.length * 2];
        for (int i = 0; i < data.length; i++) {
            out[2 * i] = DIGITS[(data[i] >>> 4) & 0xf];
            out[2 * i + 1] = DIGITS[data[i] & 0xf];
        }
        return new String(out);
    }

    /**
     * @throws IllegalArgumentException on an odd length or a character outside 0-9, a-f, A-F
     */
    public static byte[] decode(String text) {
        Inputs.notNull(text, "text");
        if (text.length() % 2 != 0) {
            throw new IllegalArgumentException("hex text must have an even length, got " + text.length());
        }
        byte[] out = new byte[text.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) ((digit(text, 2 * i) << 4) | digit(text, 2 * i + 1));
        }
        return out;
    }

    private static int digit(String text, int index) {
        int value = Character.digit(text.charAt(index), 16);
        if (value < 0 || text.charAt(index) > 'f') {
            throw new IllegalArgumentException("hex text has a character outside 0-9, a-f at index " + index);
        }
        return value;
    }
}
