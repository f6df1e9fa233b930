package io.otpgate.core.fuzz;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/**
 * A deliberately naive Base32 decoder (RFC 4648 §6) with the rules otpgate documents: case, spaces and trailing
 * padding ignored, leftover bits dropped, lengths of 1, 3 or 6 symbols past a multiple of 8 refused. It goes through
 * a string of bits, so that it shares no code and no trick with {@code Base32}.
 */
final class ReferenceBase32 {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private ReferenceBase32() {
    }

    /** The bytes, or null where the text is not Base32. */
    static byte[] decode(String text) {
        String compact = text.replace(" ", "");
        String symbols = compact.replaceAll("=+$", "");
        if (symbols.indexOf('=') >= 0) {
            return null;
        }
        StringBuilder bits = new StringBuilder();
        for (char c : symbols.toCharArray()) {
            int value = c < 128 ? ALPHABET.indexOf(String.valueOf(c).toUpperCase(Locale.ROOT)) : -1;
            if (value < 0) {
                return null;
            }
            String five = Integer.toBinaryString(value);
            bits.append("0".repeat(5 - five.length())).append(five);
        }
        int tail = symbols.length() % 8;
        if (tail == 1 || tail == 3 || tail == 6) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i + 8 <= bits.length(); i += 8) {
            out.write(Integer.parseInt(bits.substring(i, i + 8), 2));
        }
        return out.toByteArray();
    }
}
