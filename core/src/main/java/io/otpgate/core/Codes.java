package io.otpgate.core;

import java.nio.charset.StandardCharsets;

/** The shape of a one-time code: exactly {@code digits} ASCII digits, leading zeros kept. */
final class Codes {

    static final int MIN_DIGITS = 6;
    static final int MAX_DIGITS = 8;

    private Codes() {
    }

    static int checkDigits(int digits) {
        return Inputs.inRange(digits, MIN_DIGITS, MAX_DIGITS, "digits");
    }

    /**
     * The code as ASCII bytes, or {@code null} when it is not exactly {@code digits} characters from '0' to '9'.
     * Other Unicode digits (Arabic-Indic, full-width) are refused: they are not what an authenticator shows.
     */
    static byte[] parse(String code, int digits) {
        if (code == null || code.length() != digits) {
            return null;
        }
        byte[] ascii = new byte[digits];
        for (int i = 0; i < digits; i++) {
            char c = code.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            ascii[i] = (byte) c;
        }
        return ascii;
    }

    /** The value as {@code digits} ASCII digits, zero-padded on the left. */
    static byte[] ascii(int value, int digits) {
        byte[] ascii = new byte[digits];
        for (int i = digits - 1; i >= 0; i--) {
            ascii[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return ascii;
    }

    static String format(int value, int digits) {
        return new String(ascii(value, digits), StandardCharsets.US_ASCII);
    }
}
