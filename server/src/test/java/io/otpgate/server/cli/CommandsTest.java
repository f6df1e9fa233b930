package io.otpgate.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.otpgate.server.cli.CommandRunner.Result;

/** The command line as a whole: which arguments are commands, usage, exit codes, start-up failures. */
class CommandsTest {

    @TempDir
    Path directory;

    CommandRunner commands;

    @BeforeEach
    void setUp() {
        commands = new CommandRunner(directory);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
            list-devices alice          | true
            help                        | true
            --help                      | true
            -h                          | true
            --version                   | true
            NULL                        | false
            --server.port=9000          | false
            --otpgate.data-dir=/tmp/x   | false
            """)
    void isCommandWhenFirstArgumentThenCommandOrServer(String line, boolean command) {
        String[] args = line == null ? new String[0] : line.split(" ");
        assertThat(Commands.isCommand(args)).isEqualTo(command);
    }

    @Test
    void runWhenFreshDataDirectoryThenMigratesAndAnswers() {
        Result result = commands.run("list-devices", "nobody");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("User \"nobody\" does not exist\n");
        assertThat(result.out()).isEmpty();
        assertThat(directory.resolve("otpgate.mv.db")).exists();
        assertThat(directory.resolve("otpgate.key")).exists();
    }

    @Test
    void helpWhenAskedThenEveryCommandListedAndExitZero() {
        for (String ask : new String[] {"help", "--help"}) {
            Result result = commands.run(ask);

            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.out()).startsWith("Usage: otpgate [-hV] COMMAND")
                    .contains("createsuperuser", "createuser", "add-otp-device", "create-backup-codes",
                            "list-devices", "remove-otp", "unlock", "OTPGATE_DATA_DIR");
        }
        // Help creates no command bean, so it opens (and creates) no database.
        assertThat(directory.resolve("otpgate.mv.db")).doesNotExist();
    }

    @Test
    void helpWhenCommandNamedThenItsUsage() {
        Result result = commands.run("help", "add-otp-device");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).startsWith("Usage: otpgate add-otp-device")
                .contains("--qr=FILE", "--show-secret", "--[no-]terminal-qr", "--force", "--name=NAME");
    }

    @Test
    void runWhenUnknownCommandThenUsageErrorTwo() {
        Result result = commands.run("add-otp-devices", "alice");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).startsWith("Unmatched arguments from index 0: 'add-otp-devices', 'alice'\n"
                + "Did you mean: otpgate add-otp-device");
        assertThat(directory.resolve("otpgate.mv.db")).doesNotExist();
    }

    @Test
    void runWhenUnknownOptionThenUsageErrorTwo() {
        Result result = commands.run("list-devices", "alice", "--verbose");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).startsWith("Unknown option: '--verbose'");
    }

    @Test
    void runWhenMissingParameterThenUsageErrorTwo() {
        Result result = commands.run("unlock");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).startsWith("Missing required parameter: 'USERNAME'\nUsage: otpgate unlock");
    }

    @Test
    void runWhenDatabaseCannotBeOpenedThenOneLineAndExitOne() throws Exception {
        Path notADirectory = Files.writeString(directory.resolve("file"), "x");
        Map<String, String> environment = Map.of();
        CommandRunner broken = commands.with("spring.datasource.url", "jdbc:h2:file:" + notADirectory.resolve("db")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE");

        Result result = broken.runOn("", false, environment, "list-devices", "alice");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).startsWith("otpgate: cannot start: ").doesNotContain("\tat ");
        assertThat(result.err().lines()).hasSize(1);
    }

    @Test
    void runWhenKeyFileMalformedThenOneLineNamingIt() throws Exception {
        Files.writeString(directory.resolve("otpgate.key"), "not a key ring\n");

        Result result = commands.run("list-devices", "alice");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).startsWith("otpgate: cannot start: the key file ").contains("malformed")
                .doesNotContain("\tat ");
    }

    @Test
    void describeWhenSpringWrapsAnIoErrorThenFirstRealCauseAndRoot() {
        Exception e = new org.springframework.beans.factory.BeanCreationException("bean 'x' failed",
                new IllegalStateException("cannot open the database",
                        new java.nio.file.NoSuchFileException("/data/otpgate.mv.db")));

        assertThat(Commands.describe(e))
                .isEqualTo("cannot open the database (NoSuchFileException: /data/otpgate.mv.db)");
    }
}
