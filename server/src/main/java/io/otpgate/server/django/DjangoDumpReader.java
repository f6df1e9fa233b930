package io.otpgate.server.django;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.UnexpectedEndOfInputException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.otpgate.core.HmacAlgorithm;
import io.otpgate.core.Hotp;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.ThrottleState;
import io.otpgate.core.Totp;
import io.otpgate.spring.device.DeviceThrottling;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.server.system.Texts;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.Passwords;
import io.otpgate.server.user.Profile;

/**
 * Reads the JSON that Django's {@code manage.py dumpdata auth.user otp_totp otp_static accounts} prints (with
 * {@code otp_hotp} too where it is installed): an array of {@code {"model", "pk", "fields"}} objects. The file is
 * streamed (one object in memory at a time, as a tree) and bounded: at most {@value #MAX_MEGABYTES} MB, strings of
 * at most 1 MiB, nesting of at most 16.
 *
 * <p>Every object of a known model is checked as it is read; objects of other models are counted and left out.
 * Fields with a default in the Django model may be missing (the default applies); unknown fields are left out, so
 * that dumps of later django-otp releases (with {@code created_at}, {@code last_used_at}) are read too.
 *
 * <p>Messages name the object ({@code otp_totp.totpdevice pk 3}), the field and the rule; they show no key, token,
 * credential or password hash, and for malformed JSON they give the position only, since the text there may be a
 * secret.
 */
final class DjangoDumpReader {

    static final String USER = "auth.user";
    static final String TOTP_DEVICE = "otp_totp.totpdevice";
    static final String HOTP_DEVICE = "otp_hotp.hotpdevice";
    static final String STATIC_DEVICE = "otp_static.staticdevice";
    static final String STATIC_TOKEN = "otp_static.statictoken";
    static final String USER_PROFILE = "accounts.userprofile";
    static final String OAUTH_PROFILE = "accounts.useroauthprofile";

    /** The largest file read, in MB (MiB). */
    static final int MAX_MEGABYTES = 256;
    static final long MAX_BYTES = MAX_MEGABYTES * 1024L * 1024L;
    /** How often progress is reported, in objects. */
    static final int PROGRESS_EVERY = 10_000;

    /** django-otp keys are hex of any length (default 20 bytes; its column holds 40); 64 bytes covers SHA512. */
    static final int MAX_KEY_BYTES = 64;
    /** django-otp's {@code StaticToken.token} is at most 16 characters. */
    static final int MAX_TOKEN = 16;

    private static final int MAX_CREDENTIALS = 65_536;
    /**
     * Django's dates are Python datetimes: years 1 to 9999. Others were not written by Django, and some are out of
     * the database's range (PostgreSQL's ends in 294276).
     */
    private static final Instant FIRST_DJANGO_INSTANT = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant END_OF_DJANGO_YEARS = Instant.parse("+10000-01-01T00:00:00Z");
    private static final Pattern HASH_ALGORITHM = Pattern.compile("[a-z0-9_]{1,32}");

    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength(1 << 20).maxNestingDepth(16).maxNumberLength(40).build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            // Each object is read as a tree in the middle of the array: what follows it is the next object.
            .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Instant now;

    /**
     * @param now the time of the import: the creation time of objects whose dump has none, and the latest
     *     acceptable TOTP {@code t0}
     */
    DjangoDumpReader(Instant now) {
        this.now = now;
    }

    /**
     * Reads and checks a dump file, including the references between its objects.
     *
     * @param progress called with the number of objects read, every {@value #PROGRESS_EVERY} objects
     * @throws OtpgateException INVALID if the file cannot be read, is too large, is not JSON of the expected shape,
     *     or an object breaks a rule
     */
    DjangoDump read(Path file, LongConsumer progress) {
        try {
            if (Files.isDirectory(file)) {
                throw OtpgateException.invalid(file + " is a directory, not a dumpdata JSON file");
            }
            if (Files.isRegularFile(file) && Files.size(file) > MAX_BYTES) {
                throw tooLarge(file);
            }
        } catch (IOException e) {
            throw OtpgateException.invalid("cannot read " + file + ": " + e.getMessage());
        }
        try (InputStream in = new BoundedInputStream(Files.newInputStream(file), MAX_BYTES);
                JsonParser parser = MAPPER.createParser(in)) {
            DjangoDump dump = read(file, parser, progress);
            dump.checkReferences();
            return dump;
        } catch (NoSuchFileException e) {
            throw OtpgateException.invalid("cannot read " + file + ": no such file");
        } catch (IOException e) {
            throw OtpgateException.invalid("cannot read " + file + ": " + e.getMessage());
        } catch (JacksonIOException e) {
            if (e.getCause() instanceof TooLargeException) {
                throw tooLarge(file);
            }
            throw OtpgateException.invalid("cannot read " + file + ": " + e.getCause().getMessage());
        } catch (UnexpectedEndOfInputException e) {
            throw OtpgateException.invalid(file + " ends early, " + position(e.getLocation())
                    + ": the JSON is truncated");
        } catch (StreamConstraintsException e) {
            // Its message names a limit and a length, never the content.
            throw OtpgateException.invalid(file + " has a value too large to be a Django field, "
                    + position(e.getLocation()) + ": " + e.getOriginalMessage());
        } catch (JacksonException e) {
            // Jackson's own message may quote the text at the error, which can be a key or a token: never shown.
            throw OtpgateException.invalid(file + " is not valid JSON " + position(e.getLocation())
                    + " (a syntax error or a property that appears twice in one object)");
        }
    }

    private DjangoDump read(Path file, JsonParser parser, LongConsumer progress) {
        DjangoDump dump = new DjangoDump();
        if (parser.nextToken() != JsonToken.START_ARRAY) {
            throw OtpgateException.invalid(file + " must hold a JSON array of objects, as manage.py dumpdata prints");
        }
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            if (token != JsonToken.START_OBJECT) {
                throw OtpgateException.invalid(file + ": element " + (dump.objectsRead + 1) + " of the array, "
                        + position(parser.currentTokenLocation()) + ", must be an object {model, pk, fields}");
            }
            JsonNode object = MAPPER.readTree(parser);
            dump.objectsRead++;
            readObject(object, dump);
            if (dump.objectsRead % PROGRESS_EVERY == 0) {
                progress.accept(dump.objectsRead);
            }
        }
        if (parser.nextToken() != null) {
            throw OtpgateException.invalid(file + " has more after the array's closing bracket, "
                    + position(parser.currentTokenLocation()));
        }
        return dump;
    }

    private void readObject(JsonNode object, DjangoDump dump) {
        JsonNode modelNode = object.get("model");
        if (modelNode == null || !modelNode.isString()) {
            throw OtpgateException.invalid("object " + dump.objectsRead + " of the dump has no \"model\" text");
        }
        String model = modelNode.stringValue().toLowerCase(Locale.ROOT);
        if (!isKnown(model)) {
            dump.ignore(printable(model), 1);
            return;
        }
        JsonNode pkNode = object.get("pk");
        if (pkNode == null || pkNode.isNull()) {
            throw OtpgateException.invalid("object " + dump.objectsRead + " of the dump (" + model + ") has no pk: "
                    + "dumps made with --natural-primary cannot be imported");
        }
        if (!pkNode.isIntegralNumber() || !pkNode.canConvertToLong()) {
            throw OtpgateException.invalid("object " + dump.objectsRead + " of the dump (" + model
                    + ") must have a number as its pk");
        }
        long pk = pkNode.longValue();
        JsonNode fieldsNode = object.get("fields");
        if (fieldsNode == null || !fieldsNode.isObject()) {
            throw OtpgateException.invalid(model + " pk " + pk + " has no \"fields\" object");
        }
        Fields fields = new Fields(model + " pk " + pk, fieldsNode);
        switch (model) {
            case USER -> dump.add(user(pk, fields, dump));
            case TOTP_DEVICE -> dump.add(totpDevice(pk, fields));
            case HOTP_DEVICE -> dump.add(hotpDevice(pk, fields));
            case STATIC_DEVICE -> dump.add(new DjangoDump.StaticDevice(pk, fields.reference("user"),
                    fields.text("name", 64), fields.bool("confirmed", true), throttle(fields),
                    fields.instant("created_at", now)));
            case STATIC_TOKEN -> dump.add(staticToken(pk, fields));
            case USER_PROFILE -> dump.add(profile(pk, fields));
            case OAUTH_PROFILE -> dump.add(new DjangoDump.OAuthProfile(pk, fields.reference("user"),
                    fields.text("oauth_service_name", 100), fields.text("oauth_url", 200),
                    fields.secretText("oauth_credentials", MAX_CREDENTIALS)));
            default -> throw new IllegalStateException("unhandled model " + model);
        }
    }

    /** A model name from the file, fit to be printed: at most 100 characters, control characters replaced. */
    private static String printable(String model) {
        StringBuilder printable = new StringBuilder();
        model.codePoints().limit(100).forEach(c -> printable.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return model.codePointCount(0, model.length()) > 100 ? printable + "..." : printable.toString();
    }

    private static boolean isKnown(String model) {
        return switch (model) {
            case USER, TOTP_DEVICE, HOTP_DEVICE, STATIC_DEVICE, STATIC_TOKEN, USER_PROFILE, OAUTH_PROFILE -> true;
            default -> false;
        };
    }

    private DjangoDump.User user(long pk, Fields fields, DjangoDump dump) {
        String username = fields.text("username", 150);
        Fields named = new Fields(fields.where + " (" + Texts.quote(username) + ")", fields.node);
        NewUser user;
        try {
            user = new NewUser(username, named.text("email", 254, ""), named.text("first_name", 150, ""),
                    named.text("last_name", 150, ""), named.bool("is_staff", false), named.bool("is_superuser", false));
        } catch (IllegalArgumentException e) {
            throw OtpgateException.invalid(named.where + ": " + e.getMessage());
        }
        String password = named.secretText("password", 512);
        boolean usable;
        String hash;
        if (password.isEmpty() || password.startsWith(Passwords.UNUSABLE_PREFIX)) {
            // Django never matches these (set_unusable_password, or no password at all); neither does otpgate.
            usable = false;
            hash = password.isEmpty() ? Passwords.UNUSABLE_PREFIX : password;
        } else if (Passwords.isSupportedHash(password)) {
            usable = true;
            hash = password;
        } else {
            throw OtpgateException.invalid(named.where + ": the password hash " + describeHash(password)
                    + " is not one otpgate can check (Django's pbkdf2_sha256 with at most 10 000 000 iterations); "
                    + "in Django, have the user log in once with PBKDF2SHA256PasswordHasher first, or set an "
                    + "unusable password");
        }
        for (String relation : new String[] {"groups", "user_permissions"}) {
            JsonNode related = fields.node.get(relation);
            if (related != null && related.isArray() && !related.isEmpty()) {
                dump.ignore(USER + "." + relation, related.size());
            }
        }
        return new DjangoDump.User(pk, user, hash, usable, named.bool("is_active", true),
                named.instant("date_joined", now), named.instant("last_login", null));
    }

    /** The algorithm of a hash in Django's {@code algorithm$...} form, quoted; never the hash. */
    private static String describeHash(String hash) {
        int dollar = hash.indexOf('$');
        String algorithm = dollar > 0 ? hash.substring(0, dollar) : "";
        return HASH_ALGORITHM.matcher(algorithm).matches() ? "of algorithm " + Texts.quote(algorithm)
                : "(not in Django's algorithm$... form)";
    }

    private DjangoDump.TotpDevice totpDevice(long pk, Fields fields) {
        long user = fields.reference("user");
        String name = fields.text("name", 64);
        OtpSecret key = fields.key();
        int step = (int) fields.integer("step", 1, 3600, 30);
        long t0 = fields.integer("t0", 0, now.getEpochSecond(), 0);
        int digits = (int) fields.integer("digits", 6, 8, 6);
        int tolerance = (int) fields.integer("tolerance", 0, Totp.MAX_WINDOW, 1);
        int drift = (int) fields.integer("drift", Short.MIN_VALUE, Short.MAX_VALUE, 0);
        long lastStep = fields.integer("last_t", -1, Long.MAX_VALUE, -1);
        Totp settings = Totp.builder().algorithm(HmacAlgorithm.SHA1).digits(digits).period(Duration.ofSeconds(step))
                .t0(t0).build();
        return new DjangoDump.TotpDevice(pk, user, name, fields.bool("confirmed", true), key, settings, tolerance,
                drift, lastStep, throttle(fields), fields.instant("created_at", now));
    }

    private DjangoDump.HotpDevice hotpDevice(long pk, Fields fields) {
        long user = fields.reference("user");
        String name = fields.text("name", 64);
        OtpSecret key = fields.key();
        int digits = (int) fields.integer("digits", 6, 8, 6);
        int tolerance = (int) fields.integer("tolerance", 0, Hotp.MAX_LOOK_AHEAD, 5);
        long counter = fields.integer("counter", 0, Long.MAX_VALUE, 0);
        return new DjangoDump.HotpDevice(pk, user, name, fields.bool("confirmed", true), key,
                Hotp.of(HmacAlgorithm.SHA1, digits), tolerance, counter, throttle(fields),
                fields.instant("created_at", now));
    }

    private static DjangoDump.StaticToken staticToken(long pk, Fields fields) {
        long device = fields.reference("device");
        String token = fields.secretText("token", 4 * MAX_TOKEN);
        if (tokenForm(token) == null) {
            throw OtpgateException.invalid(fields.where + ": token must be 1.." + MAX_TOKEN
                    + " printable ASCII characters (spaces and dashes aside)");
        }
        return new DjangoDump.StaticToken(pk, device, token);
    }

    private DjangoDump.UserProfile profile(long pk, Fields fields) {
        long user = fields.reference("user");
        Instant createdAt = fields.instant("created_at", now);
        Profile profile = new Profile(fields.text("email", 128, ""), fields.text("phone", 64, ""),
                fields.text("first_name", 128, ""), fields.text("last_name", 128, ""), createdAt,
                fields.instant("updated_at", createdAt),
                (int) fields.integer("power_account_id", Integer.MIN_VALUE, Integer.MAX_VALUE, 0),
                (int) fields.integer("power_contact_id", Integer.MIN_VALUE, Integer.MAX_VALUE, 0),
                fields.bool("is_otp_enabled", false));
        return new DjangoDump.UserProfile(pk, user, profile);
    }

    private static ThrottleState throttle(Fields fields) {
        int count = (int) fields.integer("throttling_failure_count", 0, Integer.MAX_VALUE, 0);
        return DeviceThrottling.state(count, fields.instant("throttling_failure_timestamp", null));
    }

    /**
     * A static token as {@code RecoveryCodeDigests} digests it: lower case, without spaces, tabs and dashes; null
     * if that is empty, longer than {@value #MAX_TOKEN} characters or not printable ASCII.
     */
    static String tokenForm(String token) {
        StringBuilder form = new StringBuilder(MAX_TOKEN);
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c == ' ' || c == '-' || c == '\t') {
                continue;
            }
            if (c <= 0x20 || c >= 0x7f || form.length() == MAX_TOKEN) {
                return null;
            }
            form.append(Character.toLowerCase(c));
        }
        return form.isEmpty() ? null : form.toString();
    }

    private static String position(TokenStreamLocation location) {
        if (location == null || location == TokenStreamLocation.NA || location.getLineNr() < 1) {
            return "at an unknown position";
        }
        return "at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    private static OtpgateException tooLarge(Path file) {
        return OtpgateException.invalid(file + " is larger than " + MAX_MEGABYTES + " MB, the most that "
                + "import-django reads");
    }

    /** The fields of one object, with the checks and messages of each kind of value. */
    private static final class Fields {

        final String where;
        final JsonNode node;

        Fields(String where, JsonNode node) {
            this.where = where;
            this.node = node;
        }

        /** A required text field, shown in messages. */
        String text(String name, int maxLength) {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                throw missing(name);
            }
            return checkText(name, value, maxLength, true);
        }

        /** A text field with a default, shown in messages. */
        String text(String name, int maxLength, String otherwise) {
            JsonNode value = node.get(name);
            return value == null || value.isNull() ? otherwise : checkText(name, value, maxLength, true);
        }

        /** A required text field that is a secret: never shown, not even its length. */
        String secretText(String name, int maxLength) {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                throw missing(name);
            }
            return checkText(name, value, maxLength, false);
        }

        private String checkText(String name, JsonNode value, int maxLength, boolean show) {
            if (!value.isString()) {
                throw OtpgateException.invalid(where + ": field \"" + name + "\" must be text");
            }
            String text = value.stringValue();
            if (text.length() > maxLength) {
                throw OtpgateException.invalid(where + ": field \"" + name + "\" must be at most " + maxLength
                        + " characters" + (show ? ", got " + Texts.quote(text) : ""));
            }
            return text;
        }

        /** An integer field in min..max, with a default. */
        long integer(String name, long min, long max, long otherwise) {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                return otherwise;
            }
            if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                throw OtpgateException.invalid(where + ": field \"" + name + "\" must be a whole number");
            }
            long number = value.longValue();
            if (number < min || number > max) {
                throw OtpgateException.invalid(where + ": " + name + " must be " + range(min, max) + ", got "
                        + number);
            }
            return number;
        }

        /** A required foreign key: the pk of another object of the dump. */
        long reference(String name) {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                throw missing(name);
            }
            if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                throw OtpgateException.invalid(where + ": field \"" + name + "\" must be the pk of another "
                        + "object (a number): dumps made with --natural-foreign cannot be imported");
            }
            return value.longValue();
        }

        boolean bool(String name, boolean otherwise) {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                return otherwise;
            }
            if (!value.isBoolean()) {
                throw OtpgateException.invalid(where + ": field \"" + name + "\" must be true or false");
            }
            return value.booleanValue();
        }

        /**
         * A date and time as Django's JSON encoder writes it ({@code 2024-01-31T12:00:00.123Z}, or with an offset);
         * one without an offset (a project with {@code USE_TZ = False}) is taken as UTC.
         */
        Instant instant(String name, Instant otherwise) {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                return otherwise;
            }
            String text = value.isString() ? value.stringValue() : null;
            Instant instant = null;
            if (text != null && text.length() <= 64) {
                try {
                    instant = OffsetDateTime.parse(text).toInstant();
                } catch (DateTimeParseException e) {
                    try {
                        instant = LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
                    } catch (DateTimeParseException ignored) {
                        // reported below
                    }
                }
            }
            if (instant != null && !instant.isBefore(FIRST_DJANGO_INSTANT) && instant.isBefore(END_OF_DJANGO_YEARS)) {
                return instant;
            }
            throw OtpgateException.invalid(where + ": field \"" + name + "\" must be a date and time such as "
                    + "2024-01-31T12:00:00.000Z, in the years 1 to 9999 (Python's), got "
                    + (text != null ? Texts.quote(text) : "no text"));
        }

        /** A device's {@code key}: hex, 1..64 bytes. The message never shows the key. */
        OtpSecret key() {
            String hex = secretText("key", 2 * MAX_KEY_BYTES);
            try {
                return OtpSecret.fromHex(hex);
            } catch (IllegalArgumentException e) {
                // Hex's messages give a length or a position, never the text.
                throw OtpgateException.invalid(where + ": key must be 1.." + MAX_KEY_BYTES + " bytes in hex: "
                        + e.getMessage());
            }
        }

        private OtpgateException missing(String name) {
            return OtpgateException.invalid(where + ": field \"" + name + "\" is missing");
        }

        private static String range(long min, long max) {
            if (max == Long.MAX_VALUE || max == Integer.MAX_VALUE) {
                return min + " or more";
            }
            return min + ".." + max;
        }
    }

    /** Signals that the input went past {@link #MAX_BYTES} (a pipe or a growing file, whose size was unknown). */
    private static final class TooLargeException extends IOException {
        TooLargeException() {
            super("too large");
        }
    }

    /** Refuses to read past a limit. */
    private static final class BoundedInputStream extends FilterInputStream {

        private final long limit;
        private long count;

        BoundedInputStream(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            counted(skipped);
            return skipped;
        }

        private void counted(long n) throws TooLargeException {
            count += n;
            if (count > limit) {
                throw new TooLargeException();
            }
        }
    }
}
