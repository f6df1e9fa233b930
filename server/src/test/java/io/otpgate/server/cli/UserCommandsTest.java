package io.otpgate.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.otpgate.server.cli.CommandRunner.Result;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;

/** {@code createsuperuser} and {@code createuser}: every password source, and every refusal. */
class UserCommandsTest {

    static final String PASSWORD = "correct horse battery";
    static final String OTHER_PASSWORD = "staple gun 2024";

    @TempDir
    Path directory;

    CommandRunner commands;

    @BeforeEach
    void setUp() {
        commands = new CommandRunner(directory);
    }

    @Test
    void createsuperuserWhenInteractiveThenAsksAndCreatesStaffSuperuser() {
        Result result = commands.runOn("admin\nadmin@example.com\n" + PASSWORD + "\n" + PASSWORD + "\n", false,
                Map.of(), "createsuperuser");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).startsWith("Superuser \"admin\" created.\n");
        assertThat(result.err()).isEqualTo("Username: Email address: Password: Password (again): ");
        assertThat(result.all()).doesNotContain(PASSWORD);
        User admin = login("admin", PASSWORD).orElseThrow();
        assertThat(admin.staff()).isTrue();
        assertThat(admin.superuser()).isTrue();
        assertThat(admin.email()).isEqualTo("admin@example.com");
    }

    @Test
    void createsuperuserWhenPasswordsDifferThenRefusedAndNoUser() {
        Result result = commands.runOn("admin\n\n" + PASSWORD + "\n" + OTHER_PASSWORD + "\n", false, Map.of(),
                "createsuperuser");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).endsWith("the passwords do not match\n");
        assertThat(result.all()).doesNotContain(PASSWORD).doesNotContain(OTHER_PASSWORD);
        assertThat(exists("admin")).isFalse();
    }

    @Test
    void createsuperuserWhenOnTerminalAndPasswordShortThenAsksAgain() {
        Result result = commands.runOn("admin\n\nshort\nshort\n" + PASSWORD + "\n" + PASSWORD + "\n", true,
                Map.of(), "createsuperuser");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.err()).contains("password must have at least 8 characters; try again");
        assertThat(login("admin", PASSWORD)).isPresent();
    }

    @Test
    void createsuperuserWhenInputEndsThenRefused() {
        Result result = commands.runOn("admin\n", false, Map.of(), "createsuperuser");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).endsWith("no answer: the input ended at \"Email address:\"\n");
    }

    @Test
    void createsuperuserWhenPasswordStdinThenCreated() {
        Result result = commands.runWithStdin(PASSWORD + "\n", "createsuperuser", "--username", "admin", "--email",
                "admin@example.com", "--password-stdin");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).isEqualTo("""
                Superuser "admin" created.
                Next: otpgate add-otp-device admin   (the admin login asks for a one-time code)
                """);
        assertThat(result.err()).isEmpty();
        assertThat(login("admin", PASSWORD)).isPresent();
    }

    @Test
    void createsuperuserWhenPasswordEnvThenCreatedFromThatVariable() {
        Result result = commands.runOn("", false, Map.of("ADMIN_PASSWORD", PASSWORD), "createsuperuser",
                "--username", "admin", "--email", "admin@example.com", "--password-env", "ADMIN_PASSWORD");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(login("admin", PASSWORD)).isPresent();
    }

    @Test
    void createsuperuserWhenOtpgatePasswordSetThenUsedByDefault() {
        Result result = commands.runOn("", false, Map.of(PasswordSource.DEFAULT_VARIABLE, PASSWORD),
                "createsuperuser", "--username", "admin", "--email", "admin@example.com", "--no-input");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(login("admin", PASSWORD)).isPresent();
    }

    @Test
    void createsuperuserWhenNoPasswordSourceThenUsageErrorAndNoUser() {
        Result result = commands.runOn("", false, Map.of(), "createsuperuser", "--username", "admin", "--email",
                "admin@example.com");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).startsWith("no password given: use --password-stdin or --password-env VAR, set "
                + "OTPGATE_PASSWORD, or run the command on a terminal to be asked\n");
        assertThat(exists("admin")).isFalse();
    }

    @Test
    void createsuperuserWhenPasswordEnvUnsetThenUsageError() {
        Result result = commands.runOn("", false, Map.of(), "createsuperuser", "--username", "admin",
                "--password-env", "NOPE");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).startsWith("--password-env: the environment variable NOPE is not set or empty");
    }

    @Test
    void createsuperuserWhenBothPasswordSourcesThenUsageError() {
        Result result = commands.runOn(PASSWORD + "\n", false, Map.of("P", PASSWORD), "createsuperuser",
                "--username", "admin", "--password-env", "P", "--password-stdin");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).startsWith("give either --password-stdin or --password-env, not both");
    }

    @Test
    void createsuperuserWhenEmptyStdinThenUsageError() {
        Result result = commands.runWithStdin("", "createsuperuser", "--username", "admin", "--password-stdin");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).startsWith("--password-stdin: standard input has no password line");
    }

    @Test
    void createsuperuserWhenNoInputWithoutUsernameThenUsageError() {
        Result result = commands.runOn("", false, Map.of(), "createsuperuser", "--no-input");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).startsWith("--no-input needs --username");
    }

    @Test
    void createsuperuserWhenUsernameTakenThenRefusedBeforeThePassword() {
        Result created = commands.runWithStdin(PASSWORD + "\n", "createuser", "admin", "--password-stdin");
        assertThat(created.exitCode()).as(created.toString()).isZero();

        Result result = commands.runOn("", false, Map.of(), "createsuperuser", "--username", "admin");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("user \"admin\" already exists\n");
    }

    @Test
    void createsuperuserWhenBadUsernameThenRefusedNamingTheRule() {
        Result result = commands.runWithStdin(PASSWORD + "\n", "createsuperuser", "--username", "no spaces",
                "--password-stdin");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).isEqualTo(
                "username must be 1..150 letters, digits and @ . + - _, got \"no spaces\"\n");
    }

    @Test
    void createuserWhenPasswordAsArgumentThenRefusedWithoutEchoingIt() {
        Result result = commands.run("createuser", "bob", "--password", PASSWORD.replace(' ', '-'));

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).startsWith("a password is never given as an argument");
        assertThat(result.all()).doesNotContain(PASSWORD.replace(' ', '-'));
        assertThat(exists("bob")).isFalse();
    }

    @Test
    void createuserWhenOptionsThenUserWithThoseFields() {
        Result result = commands.runWithStdin(PASSWORD + "\n", "createuser", "bob", "--email", "bob@example.com",
                "--first-name", "Bob", "--last-name", "Builder", "--staff", "--password-stdin");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).isEqualTo("Staff user \"bob\" created.\n");
        assertThat(result.all()).doesNotContain(PASSWORD);
        User bob = login("bob", PASSWORD).orElseThrow();
        assertThat(bob).extracting(User::email, User::firstName, User::lastName, User::staff, User::superuser)
                .containsExactly("bob@example.com", "Bob", "Builder", true, false);
    }

    @Test
    void createuserWhenSuperuserThenAlsoStaff() {
        Result result = commands.runWithStdin(PASSWORD + "\n", "createuser", "root", "--superuser", "--password-stdin");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).isEqualTo("Superuser \"root\" created.\n");
        User root = login("root", PASSWORD).orElseThrow();
        assertThat(root.staff()).isTrue();
        assertThat(root.superuser()).isTrue();
    }

    @Test
    void createuserWhenDuplicateThenConflictExitOne() {
        assertThat(commands.runWithStdin(PASSWORD + "\n", "createuser", "bob", "--password-stdin").exitCode()).isZero();

        Result result = commands.runWithStdin(OTHER_PASSWORD + "\n", "createuser", "bob", "--password-stdin");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("user \"bob\" already exists\n");
        assertThat(login("bob", PASSWORD)).isPresent();
    }

    @Test
    void createuserWhenShortPasswordThenRefusedAndNoUser() {
        Result result = commands.runWithStdin("short\n", "createuser", "bob", "--password-stdin");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("password must have at least 8 characters\n");
        assertThat(exists("bob")).isFalse();
    }

    @Test
    void createuserWhenBadEmailThenRefused() {
        Result result = commands.runWithStdin(PASSWORD + "\n", "createuser", "bob", "--email", "not-an-address",
                "--password-stdin");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).startsWith("email must be an address like name@example.com");
    }

    @Test
    void createuserWhenNoPasswordSourceAndNoTerminalThenUsageError() {
        Result result = commands.runOn("", false, Map.of(), "createuser", "bob");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).startsWith("no password given");
        assertThat(exists("bob")).isFalse();
    }

    @Test
    void createuserWhenOnTerminalWithoutSourceThenAsksTwice() {
        Result result = commands.runOn(PASSWORD + "\n" + PASSWORD + "\n", true, Map.of(), "createuser", "bob");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.err()).isEqualTo("Password: Password (again): ");
        assertThat(login("bob", PASSWORD)).isPresent();
    }

    private Optional<User> login(String username, String password) {
        return commands.withContext(context -> context.getBean(UserService.class)
                .checkPassword(username, password, null));
    }

    private boolean exists(String username) {
        return commands.withContext(context -> context.getBean(UserService.class).find(username).isPresent());
    }
}
