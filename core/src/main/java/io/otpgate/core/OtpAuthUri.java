package io.otpgate.core;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An otpauth URI, the Key Uri Format that authenticator apps read from a QR code:
 * {@code otpauth://totp/Issuer:account?secret=...&issuer=Issuer&algorithm=SHA1&digits=6&period=30}.
 *
 * <p>Built with {@link #totp(OtpSecret)} or {@link #hotp(OtpSecret, long)}, written with {@link #toUriString()}
 * and read back with {@link #parse(String)}. Text is percent-encoded as RFC 3986 asks: every byte of the UTF-8 form
 * except the unreserved {@code A-Z a-z 0-9 - . _ ~} is written {@code %XX}, so a space is {@code %20}, never
 * {@code +}. The issuer is written both in the label and in {@code issuer=}, as Google's format recommends.
 *
 * <p>The URI contains the secret: never log {@link #toUriString()}. {@link #toString()} leaves the secret out.
 */
public final class OtpAuthUri {

    /** Longer input is refused before it is read. A URI this class builds is always shorter. */
    public static final int MAX_URI_LENGTH = 8192;
    /**
     * Bounds on the label parts, so that a built URI always parses. A QR code holds less (2331 bytes at level M):
     * labels at these bounds in non-ASCII scripts percent-encode to more than that.
     */
    public static final int MAX_ISSUER_LENGTH = 128;
    public static final int MAX_ACCOUNT_LENGTH = 256;

    private static final String SCHEME = "otpauth://";

    /** The two kinds of device in the format. */
    public enum Type {
        TOTP, HOTP;

        String uriName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Type type;
    private final OtpSecret secret;
    private final String issuer;
    private final String account;
    private final HmacAlgorithm algorithm;
    private final int digits;
    private final long periodSeconds;
    private final long counter;

    private OtpAuthUri(Builder b) {
        this.type = b.type;
        this.secret = b.secret;
        this.issuer = checkLabelPart(b.issuer, "issuer", MAX_ISSUER_LENGTH, true);
        this.account = checkLabelPart(b.account, "account", MAX_ACCOUNT_LENGTH, false);
        this.algorithm = b.algorithm;
        this.digits = Codes.checkDigits(b.digits);
        this.periodSeconds = b.periodSeconds;
        this.counter = b.counter;
    }

    /** A TOTP URI for the secret; set at least the account on the builder. */
    public static Builder totp(OtpSecret secret) {
        return new Builder(Type.TOTP, secret);
    }

    /** An HOTP URI for the secret, starting at {@code counter} (0 or more). */
    public static Builder hotp(OtpSecret secret, long counter) {
        Builder builder = new Builder(Type.HOTP, secret);
        if (counter < 0) {
            throw new IllegalArgumentException("counter must be 0 or more, got " + counter);
        }
        builder.counter = counter;
        return builder;
    }

    public Type type() {
        return type;
    }

    public OtpSecret secret() {
        return secret;
    }

    /** The issuer, or an empty string when there is none. */
    public String issuer() {
        return issuer;
    }

    public String account() {
        return account;
    }

    public HmacAlgorithm algorithm() {
        return algorithm;
    }

    public int digits() {
        return digits;
    }

    /** The TOTP period; 30 seconds for an HOTP URI, where it has no meaning. */
    public Duration period() {
        return Duration.ofSeconds(periodSeconds);
    }

    /** The HOTP counter; 0 for a TOTP URI. */
    public long counter() {
        return counter;
    }

    /** The {@link Totp} this URI describes (t0 = 0, as the format has no t0). */
    public Totp toTotp() {
        return Totp.builder().algorithm(algorithm).digits(digits).period(period()).build();
    }

    /** The {@link Hotp} this URI describes. */
    public Hotp toHotp() {
        return Hotp.of(algorithm, digits);
    }

    /** The URI text, for a QR code or an authenticator. It contains the secret: never log it. */
    public String toUriString() {
        StringBuilder uri = new StringBuilder(SCHEME).append(type.uriName()).append('/');
        if (!issuer.isEmpty()) {
            percentEncode(issuer, uri);
            uri.append(':');
        }
        percentEncode(account, uri);
        uri.append("?secret=").append(secret.exposeBase32());
        if (!issuer.isEmpty()) {
            percentEncode(issuer, uri.append("&issuer="));
        }
        uri.append("&algorithm=").append(algorithm.uriName()).append("&digits=").append(digits);
        if (type == Type.TOTP) {
            uri.append("&period=").append(periodSeconds);
        } else {
            uri.append("&counter=").append(counter);
        }
        return uri.toString();
    }

    /**
     * Reads an otpauth URI. The type and scheme ignore case; the issuer comes from the {@code issuer} parameter, or
     * else from the label's prefix before a {@code :}; spaces after that colon are dropped; {@code algorithm},
     * {@code digits} and {@code period} default to SHA1, 6 and 30; unknown parameters (such as {@code image}) are
     * ignored. In the query, {@code +} reads as a space, since many generators (django-otp among them) write query
     * values as form data; in the label it is a plus.
     *
     * @throws IllegalArgumentException naming what is wrong, never quoting the URI (it holds the secret)
     */
    public static OtpAuthUri parse(String uri) {
        Inputs.notNull(uri, "otpauth URI");
        if (uri.length() > MAX_URI_LENGTH) {
            throw new IllegalArgumentException(
                    "otpauth URI must be at most " + MAX_URI_LENGTH + " characters, got " + uri.length());
        }
        if (!uri.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw new IllegalArgumentException("otpauth URI must start with otpauth://");
        }
        if (uri.indexOf('#') >= 0) {
            throw new IllegalArgumentException("otpauth URI must not have a fragment (#)");
        }
        int slash = uri.indexOf('/', SCHEME.length());
        if (slash < 0) {
            throw new IllegalArgumentException("otpauth URI has no label: expected otpauth://totp/label?...");
        }
        Type type;
        String typeName = uri.substring(SCHEME.length(), slash).toLowerCase(Locale.ROOT);
        if (typeName.equals("totp")) {
            type = Type.TOTP;
        } else if (typeName.equals("hotp")) {
            type = Type.HOTP;
        } else {
            throw new IllegalArgumentException("otpauth URI type must be totp or hotp, got " + Inputs.quote(typeName));
        }
        int question = uri.indexOf('?', slash);
        String label = percentDecode(uri.substring(slash + 1, question < 0 ? uri.length() : question), false,
                "label");
        Map<String, String> parameters = question < 0 ? Map.of() : parameters(uri.substring(question + 1));

        String labelIssuer = "";
        String account = label;
        int colon = label.indexOf(':');
        if (colon >= 0) {
            labelIssuer = label.substring(0, colon);
            account = label.substring(colon + 1).stripLeading();
        }
        String secretText = parameters.get("secret");
        if (secretText == null || secretText.isEmpty()) {
            throw new IllegalArgumentException("otpauth URI has no secret parameter");
        }
        OtpSecret secret;
        try {
            secret = OtpSecret.fromBase32(secretText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("otpauth URI secret is not valid Base32");
        }
        Builder builder = new Builder(type, secret)
                .issuer(parameters.getOrDefault("issuer", labelIssuer))
                .account(account);
        if (parameters.containsKey("algorithm")) {
            builder.algorithm(HmacAlgorithm.fromUriName(parameters.get("algorithm")));
        }
        if (parameters.containsKey("digits")) {
            builder.digits((int) number(parameters.get("digits"), "digits", 9));
        }
        if (type == Type.TOTP && parameters.containsKey("period")) {
            builder.period(Duration.ofSeconds(number(parameters.get("period"), "period", 86_400)));
        }
        if (type == Type.HOTP) {
            if (!parameters.containsKey("counter")) {
                throw new IllegalArgumentException("otpauth URI of type hotp has no counter parameter");
            }
            builder.counter = number(parameters.get("counter"), "counter", Long.MAX_VALUE);
        }
        return builder.build();
    }

    private static Map<String, String> parameters(String query) {
        Map<String, String> parameters = new HashMap<>();
        for (String pair : query.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            if (equals < 0) {
                throw new IllegalArgumentException("otpauth URI has a query parameter without '='");
            }
            String name = pair.substring(0, equals).toLowerCase(Locale.ROOT);
            switch (name) {
                case "secret": case "issuer": case "algorithm": case "digits": case "period": case "counter":
                    if (parameters.put(name, percentDecode(pair.substring(equals + 1), true, name)) != null) {
                        throw new IllegalArgumentException("otpauth URI has the parameter " + name + " twice");
                    }
                    break;
                default:
                    break;  // image=, color= and other extensions of particular apps
            }
        }
        return parameters;
    }

    private static long number(String text, String name, long max) {
        if (text.isEmpty() || text.length() > 19 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(
                    "otpauth URI " + name + " must be a whole number, got " + Inputs.quote(text));
        }
        long value = Long.parseLong(text);
        if (value > max) {
            throw new IllegalArgumentException("otpauth URI " + name + " must be at most " + max + ", got " + value);
        }
        return value;
    }

    private static String checkLabelPart(String value, String name, int maxLength, boolean mayBeEmpty) {
        Inputs.notNull(value, name);
        if (!mayBeEmpty && value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        if (value.length() > maxLength) {
            throw new IllegalArgumentException(
                    name + " must be at most " + maxLength + " characters, got " + value.length());
        }
        if (!value.strip().equals(value)) {
            throw new IllegalArgumentException(name + " must not start or end with white space");
        }
        if (value.indexOf(':') >= 0) {
            throw new IllegalArgumentException(
                    name + " must not contain ':', which separates issuer and account in the label");
        }
        int unpaired = unpairedSurrogate(value);
        if (unpaired >= 0) {
            // UTF-8 has no form for it: it would be written as '?' and read back as another name.
            throw new IllegalArgumentException(name + " must be Unicode text, but has an unpaired surrogate at index "
                    + unpaired);
        }
        return value;
    }

    /** The index of the first surrogate char that is not half of a pair, or -1. */
    private static int unpairedSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    private static void percentEncode(String text, StringBuilder out) {
        final String hex = "0123456789ABCDEF";
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(hex.charAt(c >>> 4)).append(hex.charAt(c & 0xf));
            }
        }
    }

    private static String percentDecode(String text, boolean plusIsSpace, String part) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                int high = i + 2 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
                int low = i + 2 < text.length() ? Character.digit(text.charAt(i + 2), 16) : -1;
                if (high < 0 || low < 0 || text.charAt(i + 1) > 'f' || text.charAt(i + 2) > 'f') {
                    throw new IllegalArgumentException("otpauth URI " + part + " has a bad percent-escape");
                }
                bytes.write(high << 4 | low);
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                bytes.write(' ');
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < text.length()
                        && Character.isLowSurrogate(text.charAt(i + 1)) ? i + 2 : i + 1;
                if (end == i + 1 && Character.isSurrogate(c)) {
                    throw new IllegalArgumentException("otpauth URI " + part + " has an unpaired surrogate");
                }
                byte[] utf8 = text.substring(i, end).getBytes(StandardCharsets.UTF_8);
                bytes.write(utf8, 0, utf8.length);
                i = end - 1;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("otpauth URI " + part + " is not UTF-8 after percent-decoding");
        }
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof OtpAuthUri)) {
            return false;
        }
        OtpAuthUri that = (OtpAuthUri) other;
        return type == that.type && secret.equals(that.secret) && issuer.equals(that.issuer)
                && account.equals(that.account) && algorithm == that.algorithm && digits == that.digits
                && periodSeconds == that.periodSeconds && counter == that.counter;
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, issuer, account, algorithm, digits, periodSeconds, counter);
    }

    /** Everything but the secret. */
    @Override
    public String toString() {
        return "OtpAuthUri[" + type.uriName() + ", issuer=" + issuer + ", account=" + account + ", " + algorithm
                + ", " + digits + " digits, " + (type == Type.TOTP ? "period " + periodSeconds + "s"
                : "counter " + counter) + ", secret PROTECTED]";
    }

    /** Builds an {@link OtpAuthUri}; algorithm, digits and period start at SHA1, 6 and 30 seconds. */
    public static final class Builder {

        private final Type type;
        private final OtpSecret secret;
        private String issuer = "";
        private String account;
        private HmacAlgorithm algorithm = HmacAlgorithm.SHA1;
        private int digits = 6;
        private long periodSeconds = 30;
        private long counter;

        private Builder(Type type, OtpSecret secret) {
            this.type = type;
            this.secret = Inputs.notNull(secret, "secret");
        }

        /**
         * The service name shown above the code; null or empty for none. Must not contain {@code :} nor start or end
         * with white space (readers drop spaces around the label's colon).
         */
        public Builder issuer(String issuer) {
            this.issuer = issuer == null ? "" : issuer;
            return this;
        }

        /** The user's name or e-mail address; required; the same rules as the issuer. */
        public Builder account(String account) {
            this.account = account;
            return this;
        }

        public Builder algorithm(HmacAlgorithm algorithm) {
            this.algorithm = Inputs.notNull(algorithm, "algorithm");
            return this;
        }

        public Builder digits(int digits) {
            this.digits = digits;
            return this;
        }

        /** TOTP only: whole seconds, 1 s to 1 h. */
        public Builder period(Duration period) {
            if (type != Type.TOTP) {
                throw new IllegalStateException("period applies to totp URIs only");
            }
            this.periodSeconds = Totp.checkPeriod(period);
            return this;
        }

        /** Same settings as the given {@link Totp} (its t0 is not part of the format). */
        public Builder settings(Totp totp) {
            return algorithm(totp.algorithm()).digits(totp.digits()).period(totp.period());
        }

        /**
         * @throws IllegalArgumentException if the account is missing or blank, a label part contains {@code :} or
         *     is too long, or digits is not 6..8
         */
        public OtpAuthUri build() {
            return new OtpAuthUri(this);
        }
    }
}
