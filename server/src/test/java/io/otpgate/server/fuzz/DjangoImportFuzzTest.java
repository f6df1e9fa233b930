package io.otpgate.server.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.otpgate.server.django.DjangoImport;
import io.otpgate.spring.system.OtpgateException;

/**
 * The import of a django-otp dump ({@code import-django}) on arbitrary bytes. It either imports, or refuses with
 * its documented {@link OtpgateException} (INVALID or CONFLICT) whose message quotes no key, password, token or
 * credential of the file, and then has written nothing. A dry run always comes to the same answer as the real run
 * (the same refusal, or the same counts) and never writes.
 *
 * <p>The corpus files are the dump files themselves; the seeds are the seed Django system's real dump and variants
 * of it.
 */
class DjangoImportFuzzTest {

    /** The values of the fields a refusal must never quote (only those long enough to tell apart). */
    private static final Pattern SECRET_FIELD = Pattern.compile(
            "\"(key|password|token|oauth_credentials)\"\\s*:\\s*\"([^\"\\\\]{6,})\"");

    private static final Path DIRECTORY = directory();

    private final FuzzServer server = FuzzServer.get();
    private final DjangoImport importer = server.context.getBean(DjangoImport.class);

    @FuzzTest
    void importArbitraryDump(byte[] input) throws IOException {
        Path file = DIRECTORY.resolve("dump.json");
        Files.write(file, input);
        Map<String, String> before = server.snapshot();

        Object dryRun = outcome(file, true);
        assertThat(FuzzServer.changed(before, server.snapshot())).as("a dry run writes nothing").isEmpty();
        Object real = outcome(file, false);
        Map<String, String> after = server.snapshot();
        try {
            if (real instanceof OtpgateException refused) {
                assertThat(refused.reason()).isIn(OtpgateException.Reason.INVALID, OtpgateException.Reason.CONFLICT);
                assertThat(FuzzServer.changed(before, after)).as("refused (%s), yet written", refused.reason())
                        .isEmpty();
                assertThat(dryRun).as("the dry run refused alike").isInstanceOf(OtpgateException.class);
                assertThat(((OtpgateException) dryRun).reason()).isEqualTo(refused.reason());
                assertNoSecretIn(refused.getMessage(), input);
            } else {
                DjangoImport.Summary summary = (DjangoImport.Summary) real;
                assertThat(dryRun).as("the dry run accepted alike").isInstanceOf(DjangoImport.Summary.class);
                DjangoImport.Summary dry = (DjangoImport.Summary) dryRun;
                assertThat(new DjangoImport.Summary(false, dry.objectsRead(), dry.usersImported(),
                        dry.usersSkipped(), dry.unusablePasswords(), dry.totpDevices(), dry.hotpDevices(),
                        dry.staticDevices(), dry.staticTokens(), dry.profiles(), dry.oauthProfiles(), dry.ignored()))
                        .isEqualTo(summary);
                assertThat(count(after, "auth_user") - count(before, "auth_user"))
                        .isEqualTo(summary.usersImported());
                assertThat(count(after, "otpgate_totp_device") - count(before, "otpgate_totp_device"))
                        .isEqualTo(summary.totpDevices());
                assertThat(count(after, "otpgate_static_token") - count(before, "otpgate_static_token"))
                        .isEqualTo(summary.staticTokens());
            }
        } finally {
            server.restore(after);
        }
    }

    /** The summary, or the documented refusal; anything else is thrown (a finding). */
    private Object outcome(Path file, boolean dryRun) {
        try {
            return importer.importFile(file, dryRun, objects -> { });
        } catch (OtpgateException refused) {
            return refused;
        }
    }

    private static void assertNoSecretIn(String message, byte[] input) {
        Matcher secret = SECRET_FIELD.matcher(new String(input, StandardCharsets.UTF_8));
        while (secret.find()) {
            assertThat(message).as("the refusal quotes the field %s", secret.group(1)).doesNotContain(secret.group(2));
        }
    }

    private static long count(Map<String, String> snapshot, String table) {
        String rows = snapshot.getOrDefault(table, "");
        return rows.isEmpty() ? 0 : rows.split("\n", -1).length;
    }

    private static Path directory() {
        try {
            Path directory = Files.createTempDirectory("otpgate-import-fuzz");
            directory.toFile().deleteOnExit();
            directory.resolve("dump.json").toFile().deleteOnExit();
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
