package io.otpgate.server.system;

/** Quoting of user input in messages: bounded, printable, and clearly delimited. */
public final class Texts {

    private static final int MAX_SHOWN = 60;

    private Texts() {
    }

    /** The value in double quotes, control characters escaped, cut at 60 characters; {@code null} for null. */
    public static String quote(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder quoted = new StringBuilder("\"");
        for (int i = 0; i < value.length() && i < MAX_SHOWN; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else {
                quoted.append(c);
            }
        }
        if (value.length() > MAX_SHOWN) {
            quoted.append("...");
        }
        return quoted.append('"').toString();
    }
}
