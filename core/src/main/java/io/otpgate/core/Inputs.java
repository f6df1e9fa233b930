package io.otpgate.core;

/** Argument checks shared by the package; messages name the argument and the rule, never a secret. */
final class Inputs {

    private Inputs() {
    }

    static <T> T notNull(T value, String name) {
        if (value == null) {
            throw new NullPointerException(name + " cannot be null");
        }
        return value;
    }

    static int inRange(int value, int min, int max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be " + min + ".." + max + ", got " + value);
        }
        return value;
    }

    /** Quotes a non-secret value for a message, shortened so that a huge input cannot flood a log. */
    static String quote(String value) {
        if (value == null) {
            return "null";
        }
        String shown = value.length() > 32 ? value.substring(0, 32) + "..." : value;
        return "'" + shown + "'";
    }
}
