package io.otpgate.reliability;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

import tools.jackson.core.JsonGenerator;

import io.otpgate.core.OtpSecret;
import io.otpgate.core.RecoveryCodes;

/**
 * Writes what Django's {@code manage.py dumpdata auth.user otp_totp otp_static accounts} prints (the format of
 * {@code server/src/test/resources/django-seed/dumpdata.json}) for users a scenario makes, so that
 * {@link ServerSetup#importDjango} enrols thousands of them in seconds. Each user has a random password, stored as
 * Django's {@code pbkdf2_sha256$1000$salt$hash} (few iterations, so the server checks it quickly once; it replaces it
 * by argon2id at the first login), a confirmed TOTP device with a random 20-byte key that has never been used
 * ({@code last_t} -1), a confirmed static device with recovery codes, a profile ({@code is_otp_enabled}) and an OAuth
 * profile with random credentials.
 *
 * <p>Recovery codes are otpgate's form ({@code xxxx-xxxx-xxxx-xxxx}, 80 bits); the dump holds them as Django would,
 * 16 characters without dashes, and the server accepts them typed with or without dashes.
 */
public final class DjangoDump {

    /** PBKDF2 iterations of the dump's password hashes: cheap, since the first login replaces them. */
    public static final int PASSWORD_ITERATIONS = 1000;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String SALT_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private DjangoDump() {
    }

    /**
     * Writes a dump file (owner-readable only: it holds the secrets in clear) of {@code users} new users named
     * {@code PREFIX-00000}, {@code PREFIX-00001}, ...
     *
     * @param recoveryCodes per user, 1..100
     * @return the users, in dump order
     */
    public static List<KnownUser> write(Path file, String prefix, int users, int recoveryCodes) {
        if (users < 1 || recoveryCodes < 1 || recoveryCodes > RecoveryCodes.MAX_COUNT) {
            throw new IllegalArgumentException("users must be 1 or more and recoveryCodes 1.." + RecoveryCodes.MAX_COUNT
                    + ", got " + users + " and " + recoveryCodes);
        }
        List<KnownUser> known = new ArrayList<>(users);
        RecoveryCodes codes = RecoveryCodes.defaults();
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (IOException e) {
            throw new UncheckedIOException("could not create " + file, e);
        }
        try (OutputStream out = Files.newOutputStream(file);
                JsonGenerator json = Api.JSON.createGenerator(out)) {
            json.writeStartArray();
            long tokenPk = 1;
            for (int i = 0; i < users; i++) {
                long pk = i + 1;
                String username = String.format("%s-%05d", prefix, i);
                KnownUser user = new KnownUser(pk, username, "pw-" + randomText(24),
                        OtpSecret.generate(20, RANDOM), codes.generate(recoveryCodes, RANDOM),
                        "gho_" + randomText(36));
                known.add(user);
                writeUser(json, user);
                for (String code : user.recoveryCodes()) {
                    object(json, "otp_static.statictoken", tokenPk++);
                    json.writeNumberProperty("device", pk);
                    json.writeStringProperty("token", code.replace("-", ""));
                    end(json);
                }
            }
            json.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
        return known;
    }

    private static void writeUser(JsonGenerator json, KnownUser user) {
        long pk = user.pk();
        String joined = "2024-01-01T00:00:00.000Z";
        object(json, "auth.user", pk);
        json.writeStringProperty("password", djangoHash(user.password()));
        json.writeNullProperty("last_login");
        json.writeBooleanProperty("is_superuser", false);
        json.writeStringProperty("username", user.username());
        json.writeStringProperty("first_name", "Reliability");
        json.writeStringProperty("last_name", "User");
        json.writeStringProperty("email", user.username() + "@example.invalid");
        json.writeBooleanProperty("is_staff", false);
        json.writeBooleanProperty("is_active", true);
        json.writeStringProperty("date_joined", joined);
        json.writeName("groups");
        json.writeStartArray();
        json.writeEndArray();
        json.writeName("user_permissions");
        json.writeStartArray();
        json.writeEndArray();
        end(json);

        object(json, "otp_totp.totpdevice", pk);
        json.writeNumberProperty("user", pk);
        json.writeStringProperty("name", "phone");
        json.writeBooleanProperty("confirmed", true);
        json.writeNullProperty("throttling_failure_timestamp");
        json.writeNumberProperty("throttling_failure_count", 0);
        json.writeStringProperty("key", user.totpSecret().exposeHex());
        json.writeNumberProperty("step", 30);
        json.writeNumberProperty("t0", 0);
        json.writeNumberProperty("digits", 6);
        json.writeNumberProperty("tolerance", 1);
        json.writeNumberProperty("drift", 0);
        json.writeNumberProperty("last_t", -1);
        end(json);

        object(json, "otp_static.staticdevice", pk);
        json.writeNumberProperty("user", pk);
        json.writeStringProperty("name", "backup");
        json.writeBooleanProperty("confirmed", true);
        json.writeNullProperty("throttling_failure_timestamp");
        json.writeNumberProperty("throttling_failure_count", 0);
        end(json);

        object(json, "accounts.userprofile", pk);
        json.writeNumberProperty("user", pk);
        json.writeStringProperty("email", user.username() + "@example.invalid");
        json.writeStringProperty("phone", "");
        json.writeStringProperty("first_name", "Reliability");
        json.writeStringProperty("last_name", "User");
        json.writeStringProperty("created_at", joined);
        json.writeStringProperty("updated_at", joined);
        json.writeNumberProperty("power_account_id", 0);
        json.writeNumberProperty("power_contact_id", 0);
        json.writeBooleanProperty("is_otp_enabled", true);
        end(json);

        object(json, "accounts.useroauthprofile", pk);
        json.writeNumberProperty("user", pk);
        json.writeStringProperty("oauth_service_name", "github");
        json.writeStringProperty("oauth_url", "https://example.invalid/oauth");
        json.writeStringProperty("oauth_credentials", user.oauthCredentials());
        end(json);
    }

    private static void object(JsonGenerator json, String model, long pk) {
        json.writeStartObject();
        json.writeStringProperty("model", model);
        json.writeNumberProperty("pk", pk);
        json.writeName("fields");
        json.writeStartObject();
    }

    private static void end(JsonGenerator json) {
        json.writeEndObject();
        json.writeEndObject();
    }

    /** Django's {@code PBKDF2PasswordHasher}: {@code pbkdf2_sha256$<iterations>$<salt>$<base64 of 32 bytes>}. */
    static String djangoHash(String password) {
        String salt = randomText(22);
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt.getBytes(StandardCharsets.UTF_8),
                    PASSWORD_ITERATIONS, 256);
            byte[] hash = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            spec.clearPassword();
            return "pbkdf2_sha256$" + PASSWORD_ITERATIONS + "$" + salt + "$" + Base64.getEncoder().encodeToString(hash);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this JDK", e);
        }
    }

    private static String randomText(int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(SALT_ALPHABET.charAt(RANDOM.nextInt(SALT_ALPHABET.length())));
        }
        return text.toString();
    }
}
