package io.otpgate.server.django;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.otpgate.server.cli.Commands;
import io.otpgate.server.system.TestDatabases;

/** {@code otpgate import-django}: the summary it prints, its exit codes, and no secret in its output. */
class ImportDjangoCommandTest {

    static Map<String, Object> properties;

    @TempDir Path temporary;

    @BeforeAll
    static void database() {
        properties = Map.of("spring.datasource.url", "jdbc:h2:mem:t" + UUID.randomUUID().toString().replace("-", "")
                        + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH",
                "spring.datasource.username", "sa", "spring.datasource.password", "",
                "otpgate.secrets.keys", TestDatabases.TEST_KEYS);
    }

    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exitCode = Commands.run(args, properties, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void importDjangoWhenDryRunThenImportThenAgainThenSummariesWithoutSecrets() throws Exception {
        String file = DjangoImportContract.seedDump().toString();

        Run dryRun = run("import-django", "--dry-run", file);
        Run imported = run("import-django", file);
        Run again = run("import-django", file);

        assertThat(dryRun.exitCode()).as(dryRun.err()).isZero();
        assertThat(dryRun.out()).startsWith("Dry run, nothing written: " + file + " would import 6 users from "
                + "32 objects.\n");
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.out()).isEqualTo("""
                Imported 6 users from 32 objects.
                  TOTP devices:    5
                  HOTP devices:    0
                  static devices:  3 with 6 tokens (stored as digests)
                  profiles:        6
                  OAuth profiles:  6
                """);
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out()).startsWith("Imported 0 users from 32 objects; 6 users imported before, skipped "
                + "with their devices and profiles.\n");
        String everything = dryRun.out() + dryRun.err() + imported.out() + imported.err() + again.out() + again.err();
        for (DjangoImportContract.Known known : DjangoImportContract.known()) {
            assertThat(everything).doesNotContain(known.oauthCredentials()).doesNotContain(known.password());
            known.tokens().forEach(token -> assertThat(everything).doesNotContain(token));
            if (known.hasTotp()) {
                assertThat(everything).doesNotContain(known.totp().get("hex").stringValue())
                        .doesNotContain(known.totp().get("base32").stringValue());
            }
        }
    }

    @Test
    void importDjangoWhenFileRefusedThenOneLineOnStandardErrorAndExitOne() throws Exception {
        Path truncated = temporary.resolve("truncated.json");
        byte[] whole = Files.readAllBytes(DjangoImportContract.seedDump());
        Files.write(truncated, java.util.Arrays.copyOf(whole, 700));

        Run missing = run("import-django", temporary.resolve("missing.json").toString());
        Run cut = run("import-django", truncated.toString());

        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.out()).isEmpty();
        assertThat(missing.err()).isEqualTo("cannot read " + temporary.resolve("missing.json") + ": no such file\n");
        assertThat(cut.exitCode()).isEqualTo(1);
        assertThat(cut.err()).startsWith(truncated + " ends early, at line ").endsWith(": the JSON is truncated\n")
                .doesNotContain("pbkdf2");
    }

    @Test
    void importDjangoWhenNoFileThenUsageErrorExitTwo() {
        Run run = run("import-django");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Missing required parameter: 'FILE'");
    }
}
