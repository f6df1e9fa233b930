package io.otpgate.reliability;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.otpgate.core.Base32;

/**
 * Scenario 6's check: a database dump (text) holds none of the secrets the clients knew, in any common encoding.
 *
 * <p>A secret's bytes (a TOTP key, a signing key) are looked for as hex and Base32 (with and without padding) in any
 * case, and as Base64, standard and URL-safe, with and without padding; Base32 and Base64 also at each byte alignment
 * at which the value can sit inside a longer encoded value (5 and 3 of them; only the characters made of the value's
 * own bits). A text value
 * (a recovery code, OAuth credentials, a password) is looked for as typed, without dashes, with spaces for dashes, in
 * any case, and its UTF-8 bytes in all the encodings above. Every form is at least {@value #MIN_LENGTH} characters,
 * so that a random match is negligible.
 *
 * <p>The search is one pass over the dump (and one over its lower-case copy) with a rolling hash of the first
 * {@value #MIN_LENGTH} characters of every form, each hit confirmed by comparing the whole form. Findings name the
 * value's label and the encoding, never the value.
 */
public final class SecretsAtRest {

    /** The shortest form searched; shorter values are refused. */
    public static final int MIN_LENGTH = 10;

    /** One form of a value: its name ("Base64 URL-safe at byte offset 1"), the text, whether case is ignored. */
    record Form(String encoding, String text, boolean ignoreCase) {
    }

    /** A value the clients knew, with the forms it is looked for in. Its {@code toString} hides the value. */
    public static final class Secret {

        private final String label;
        private final int encodings;
        private final List<Form> forms;

        private Secret(String label, List<Form> forms) {
            this.label = label;
            this.encodings = forms.size();
            // One form per distinct search (Base32 of 20 bytes needs no padding, a text may have no dash, ...).
            Map<String, Form> distinct = new LinkedHashMap<>();
            for (Form form : forms) {
                distinct.putIfAbsent((form.ignoreCase() ? "i:" + lowerCase(form.text()) : "e:" + form.text()), form);
            }
            this.forms = List.copyOf(distinct.values());
            for (Form form : this.forms) {
                if (form.text().length() < MIN_LENGTH) {
                    throw new IllegalArgumentException(label + ": its form " + form.encoding() + " is shorter than "
                            + MIN_LENGTH + " characters");
                }
            }
        }

        /**
         * Secret bytes (a TOTP key, an AES or HMAC key).
         *
         * @param label what it is, such as "TOTP secret of user x" (printed with findings)
         * @throws IllegalArgumentException if shorter than 8 bytes
         */
        public static Secret ofBytes(String label, byte[] value) {
            if (value.length < 8) {
                throw new IllegalArgumentException("a secret of " + value.length + " bytes is too short to search "
                        + "for without false matches (8 or more)");
            }
            return new Secret(label, byteForms(value, ""));
        }

        /**
         * A secret text (a recovery code, OAuth credentials, a password).
         *
         * @throws IllegalArgumentException if it has fewer than {@value #MIN_LENGTH} characters besides dashes and
         *     spaces
         */
        public static Secret ofText(String label, String value) {
            String bare = value.replace("-", "").replace(" ", "");
            if (bare.length() < MIN_LENGTH) {
                throw new IllegalArgumentException("a text of " + bare.length() + " characters is too short to search "
                        + "for without false matches (" + MIN_LENGTH + " or more)");
            }
            List<Form> forms = new ArrayList<>();
            forms.add(new Form("text as typed, any case", value, true));
            forms.add(new Form("text without dashes or spaces, any case", bare, true));
            if (value.contains("-")) {
                forms.add(new Form("text with spaces for dashes, any case", value.replace('-', ' '), true));
            }
            forms.addAll(byteForms(value.getBytes(StandardCharsets.UTF_8), "UTF-8 bytes as "));
            return new Secret(label, forms);
        }

        public String label() {
            return label;
        }

        /**
         * How many encodings it is looked for in. Some give the same text for some values (Base32 of 20 bytes needs
         * no padding; Base64 without '+' or '/' is also URL-safe): each distinct text is searched once.
         */
        public int encodings() {
            return encodings;
        }

        List<Form> forms() {
            return forms;
        }

        @Override
        public String toString() {
            return "Secret[" + label + ", " + encodings + " encodings, value PROTECTED]";
        }
    }

    /** A secret found in the dump: which value (its label), in which encoding, at which character offset. */
    public record Finding(String label, String encoding, int offset) {
    }

    /**
     * What a check looked at and found.
     *
     * @param encodings the encodings of all values
     * @param searches the distinct texts searched
     * @param minEncodings the fewest encodings of one value
     * @param maxEncodings the most encodings of one value
     * @param bytesScanned the dump's size in UTF-8 bytes
     */
    public record Result(int values, int encodings, int searches, int minEncodings, int maxEncodings,
            long bytesScanned, List<Finding> findings) {

        /** Adds the figures (values checked, encodings per value, bytes scanned, findings: must be 0) to a report. */
        public void addTo(Report report, String where) {
            report.figure("values checked" + where, values);
            report.figure("encodings per value", minEncodings == maxEncodings ? String.valueOf(minEncodings)
                    : minEncodings + ".." + maxEncodings, encodings + " in all, " + searches + " distinct texts searched");
            report.figure("bytes of dump scanned", bytesScanned);
            report.mustBeZero("secrets found in the dump" + where, findings.size());
            findings.stream().limit(20).forEach(f -> report.text("found: " + f.label() + ", " + f.encoding()
                    + ", at character " + f.offset()));
        }
    }

    private SecretsAtRest() {
    }

    /** The secrets a user's client knows: the password, the TOTP key, the recovery codes, the OAuth credentials. */
    public static List<Secret> secretsOf(KnownUser user) {
        List<Secret> secrets = new ArrayList<>();
        secrets.add(Secret.ofText("password of " + user.username(), user.password()));
        secrets.add(Secret.ofBytes("TOTP secret of " + user.username(), user.totpSecret().exposeBytes()));
        for (int i = 0; i < user.recoveryCodes().size(); i++) {
            secrets.add(Secret.ofText("recovery code " + (i + 1) + " of " + user.username(),
                    user.recoveryCodes().get(i)));
        }
        secrets.add(Secret.ofText("OAuth credentials of " + user.username(), user.oauthCredentials()));
        return secrets;
    }

    /**
     * Looks for every form of every secret in a dump.
     *
     * @param dumpText the whole dump, as text ({@code pg_dump}, H2 {@code SCRIPT})
     */
    public static Result check(String dumpText, Collection<Secret> knownSecrets) {
        List<Finding> findings = new ArrayList<>();
        Map<Form, Secret> owners = new LinkedHashMap<>();
        int encodings = 0;
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (Secret secret : knownSecrets) {
            encodings += secret.encodings();
            min = Math.min(min, secret.encodings());
            max = Math.max(max, secret.encodings());
            for (Form form : secret.forms()) {
                owners.putIfAbsent(form, secret);
            }
        }
        List<Form> exact = new ArrayList<>();
        List<Form> anyCase = new ArrayList<>();
        for (Form form : owners.keySet()) {
            (form.ignoreCase() ? anyCase : exact).add(form);
        }
        search(dumpText, exact, owners, findings);
        search(lowerCase(dumpText), anyCase, owners, findings);
        long bytes = dumpText.getBytes(StandardCharsets.UTF_8).length;
        return new Result(knownSecrets.size(), encodings, owners.size(), knownSecrets.isEmpty() ? 0 : min, max, bytes,
                List.copyOf(findings));
    }

    /** Every form of a value's bytes, each text prefixed with {@code prefix} in its encoding's name. */
    private static List<Form> byteForms(byte[] value, String prefix) {
        Set<Form> forms = new LinkedHashSet<>();
        // Hex and Base32 are searched ignoring case: lower, upper and mixed case at once.
        forms.add(new Form(prefix + "hex, any case", HexFormat.of().formatHex(value), true));
        String base32 = Base32.encode(value);
        forms.add(new Form(prefix + "Base32, padded, any case", base32 + "=".repeat((8 - base32.length() % 8) % 8),
                true));
        forms.add(new Form(prefix + "Base32, unpadded, any case", base32, true));
        aligned(forms, prefix + "Base32, any case", 5, 5, value, Base32::encode, true);
        Map<String, Base64.Encoder> base64 = new LinkedHashMap<>();
        base64.put("Base64", Base64.getEncoder());
        base64.put("Base64 URL-safe", Base64.getUrlEncoder());
        for (Map.Entry<String, Base64.Encoder> entry : base64.entrySet()) {
            String name = prefix + entry.getKey();
            Base64.Encoder encoder = entry.getValue();
            forms.add(new Form(name + ", padded", encoder.encodeToString(value), false));
            forms.add(new Form(name + ", unpadded", encoder.withoutPadding().encodeToString(value), false));
            aligned(forms, name, 6, 3, value, encoder.withoutPadding()::encodeToString, false);
        }
        return new ArrayList<>(forms);
    }

    /**
     * The forms of a value inside a longer encoded value: for each byte offset at which it can start within an
     * encoding group, only the characters made of its own bits (those holding bits of the bytes before or after it
     * differ with the surrounding value).
     */
    private static void aligned(Set<Form> forms, String name, int bitsPerChar, int groupBytes, byte[] value,
            Function<byte[], String> encoder, boolean ignoreCase) {
        for (int offset = 0; offset < groupBytes; offset++) {
            byte[] shifted = new byte[offset + value.length];
            System.arraycopy(value, 0, shifted, offset, value.length);
            String encoded = encoder.apply(shifted);
            int first = (offset * 8 + bitsPerChar - 1) / bitsPerChar;
            int end = shifted.length * 8 / bitsPerChar;
            forms.add(new Form(name + ", inside a longer value at byte offset " + offset,
                    encoded.substring(first, end), ignoreCase));
        }
    }

    private static void search(String haystack, List<Form> forms, Map<Form, Secret> owners, List<Finding> findings) {
        if (forms.isEmpty() || haystack.length() < MIN_LENGTH) {
            return;
        }
        Map<Long, List<Form>> byHash = new HashMap<>();
        for (Form form : forms) {
            String text = form.ignoreCase() ? lowerCase(form.text()) : form.text();
            byHash.computeIfAbsent(hash(text, 0), h -> new ArrayList<>(1)).add(form);
        }
        long power = 1;
        for (int i = 1; i < MIN_LENGTH; i++) {
            power *= BASE;
        }
        long hash = hash(haystack, 0);
        Set<Form> found = new LinkedHashSet<>();
        for (int start = 0; ; start++) {
            List<Form> candidates = byHash.get(hash);
            if (candidates != null) {
                for (Form form : candidates) {
                    String text = form.ignoreCase() ? lowerCase(form.text()) : form.text();
                    if (!found.contains(form) && haystack.startsWith(text, start)) {
                        found.add(form);
                        findings.add(new Finding(owners.get(form).label(), form.encoding(), start));
                    }
                }
            }
            int next = start + MIN_LENGTH;
            if (next >= haystack.length()) {
                return;
            }
            hash = (hash - haystack.charAt(start) * power) * BASE + haystack.charAt(next);
        }
    }

    private static final long BASE = 1_000_003L;

    /** The polynomial hash of the {@value #MIN_LENGTH} characters from {@code start} (arithmetic modulo 2^64). */
    private static long hash(String text, int start) {
        long hash = 0;
        for (int i = start; i < start + MIN_LENGTH; i++) {
            hash = hash * BASE + text.charAt(i);
        }
        return hash;
    }

    /** Lower case character by character, so that offsets stay those of the original text. */
    private static String lowerCase(String text) {
        char[] chars = text.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            chars[i] = Character.toLowerCase(chars[i]);
        }
        return new String(chars);
    }
}
