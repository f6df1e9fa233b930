package io.otpgate.reliability;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A scenario's settings from the command line, as {@code key=value} words ({@code rounds=1000}). A scenario reads
 * each with its default, then {@link #checkAllUsed()} refuses keys it did not read (a typo must not pass silently).
 */
public final class Settings {

    /** A setting that is malformed, out of range or unknown: a usage error. */
    public static final class InvalidSetting extends IllegalArgumentException {
        InvalidSetting(String message) {
            super(message);
        }
    }

    private final Map<String, String> values;
    private final Set<String> used = new TreeSet<>();

    private Settings(Map<String, String> values) {
        this.values = values;
    }

    /** @throws InvalidSetting for a word that is not {@code key=value}, or a key given twice */
    public static Settings parse(String... words) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String word : words) {
            int equals = word.indexOf('=');
            if (equals < 1) {
                throw new InvalidSetting("settings are key=value, got \"" + word + "\"");
            }
            if (values.put(word.substring(0, equals), word.substring(equals + 1)) != null) {
                throw new InvalidSetting("setting " + word.substring(0, equals) + " is given twice");
            }
        }
        return new Settings(values);
    }

    public static Settings none() {
        return new Settings(new LinkedHashMap<>());
    }

    /** Returns a copy with a value set (for tests and callers that run a scenario in a short form). */
    public Settings with(String key, Object value) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.put(key, String.valueOf(value));
        return new Settings(copy);
    }

    /**
     * An integer in min..max, or the default.
     *
     * @throws InvalidSetting naming the key, the value and the range
     */
    public synchronized int integer(String key, int otherwise, int min, int max) {
        used.add(key);
        String text = values.get(key);
        if (text == null) {
            return otherwise;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidSetting(key + " must be a whole number in " + min + ".." + max + ", got \"" + text
                + "\"");
    }

    public synchronized boolean flag(String key, boolean otherwise) {
        used.add(key);
        String text = values.get(key);
        if (text == null) {
            return otherwise;
        }
        return switch (text.trim()) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new InvalidSetting(key + " must be true or false, got \"" + text + "\"");
        };
    }

    /**
     * One of a few words ({@code db=h2}), or the default.
     *
     * @throws InvalidSetting naming the key, the value and the words allowed
     */
    public synchronized String choice(String key, String otherwise, String... allowed) {
        used.add(key);
        String text = values.get(key);
        if (text == null) {
            return otherwise;
        }
        for (String word : allowed) {
            if (word.equals(text.trim())) {
                return word;
            }
        }
        throw new InvalidSetting(key + " must be one of " + String.join(", ", allowed) + ", got \"" + text + "\"");
    }

    /** @throws InvalidSetting if a key was given that no read asked for */
    public synchronized void checkAllUsed() {
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(used);
        if (!unknown.isEmpty()) {
            throw new InvalidSetting("unknown setting(s) " + unknown + "; this scenario reads " + used);
        }
    }

    @Override
    public synchronized String toString() {
        return values.toString();
    }
}
