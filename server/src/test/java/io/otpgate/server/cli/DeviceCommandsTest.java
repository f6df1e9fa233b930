package io.otpgate.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

import io.otpgate.spring.device.PendingSetups;
import io.otpgate.webauthn.TestAuthenticator;
import io.otpgate.server.cli.CommandRunner.Result;
import io.otpgate.spring.device.AccountRef;
import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.server.user.UserService;
import io.otpgate.spring.webauthn.PasskeyOptions;
import io.otpgate.spring.webauthn.PasskeyRegistration;
import io.otpgate.spring.webauthn.RegistrationOutcome;

/** {@code create-backup-codes}, {@code list-devices}, {@code remove-otp} and {@code unlock}. */
class DeviceCommandsTest {

    static final String PASSWORD = "correct horse battery";

    @TempDir
    Path directory;

    CommandRunner commands;

    @BeforeEach
    void setUp() {
        commands = new CommandRunner(directory);
        Result created = commands.runWithStdin(PASSWORD + "\n", "createuser", "alice", "--password-stdin");
        assertThat(created.exitCode()).as(created.toString()).isZero();
    }

    @Test
    void createBackupCodesWhenDefaultCountThenTenCodesOnceAndTheyWork() {
        Result result = commands.run("create-backup-codes", "alice");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        List<String> lines = result.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("10 recovery codes for alice. They replace any earlier ones and are shown "
                + "only now: give them to the user to keep safe.");
        List<String> codes = lines.subList(1, lines.size());
        assertThat(codes).hasSize(10).doesNotHaveDuplicates()
                .allMatch(code -> code.matches("[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}"));
        assertThat(commands.run("list-devices", "alice").out())
                .containsPattern("static/1 +Backup +yes +10 codes left");
        // Valid at once (issued on their own, not with a pending setup), and once only.
        assertThat(verify("alice", codes.get(3))).isInstanceOf(VerificationOutcome.Verified.class);
        assertThat(verify("alice", codes.get(3))).isInstanceOf(VerificationOutcome.Rejected.class);
    }

    @Test
    void createBackupCodesWhenRunAgainThenEarlierCodesReplaced() {
        String first = commands.run("create-backup-codes", "alice", "--count", "3").out().lines().skip(1)
                .findFirst().orElseThrow();

        Result again = commands.run("create-backup-codes", "alice", "--count", "2");

        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out().lines()).hasSize(3);
        // The device stays (tokens that name it stay valid); its codes are replaced.
        assertThat(commands.run("list-devices", "alice").out()).containsPattern("static/1 +Backup +yes +2 codes left")
                .doesNotContain("static/2");
        assertThat(verify("alice", first)).isNotInstanceOf(VerificationOutcome.Verified.class);
        assertThat(sessionsEnded("alice")).as("the replaced codes end the sessions they opened").containsExactly(1L,
                1L);
    }

    @Test
    void createBackupCodesWhenCountOutOfRangeThenRefusedNamingTheRule() {
        Result zero = commands.run("create-backup-codes", "alice", "--count", "0");
        Result tooMany = commands.run("create-backup-codes", "alice", "--count", "101");

        assertThat(zero.exitCode()).isEqualTo(1);
        assertThat(zero.err()).isEqualTo("count must be 1..100, got 0\n");
        assertThat(tooMany.exitCode()).isEqualTo(1);
        assertThat(tooMany.err()).isEqualTo("count must be 1..100, got 101\n");
        assertThat(commands.run("list-devices", "alice").out()).startsWith("alice has no devices.");
    }

    @Test
    void createBackupCodesWhenCountNotANumberThenUsageError() {
        Result result = commands.run("create-backup-codes", "alice", "--count", "ten");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).startsWith("Invalid value for option '--count': 'ten' is not an int");
    }

    @Test
    void createBackupCodesWhenUnknownUserThenExitOne() {
        Result result = commands.run("create-backup-codes", "x");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("User \"x\" does not exist\n");
    }

    @Test
    void listDevicesWhenNoneThenSaysSoAndTheLockState() {
        Result result = commands.run("list-devices", "alice");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).isEqualTo("""
                alice has no devices.
                Second factor: not locked, 0 consecutive failures.
                """);
    }

    @Test
    void listDevicesWhenDevicesThenTableWithEveryColumn() {
        commands.run("add-otp-device", "alice", "--qr", directory.resolve("a.png").toString());
        commands.run("create-backup-codes", "alice", "--count", "5");

        Result result = commands.run("list-devices", "alice");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        List<String> lines = result.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).matches("DEVICE +NAME +CONFIRMED +DESCRIPTION +CREATED +LAST USED +FAILURES "
                + "+THROTTLED UNTIL");
        assertThat(lines.get(1)).matches("totp/1 +Default +yes +SHA1, 6 digits, 30 s +\\d{4}-\\d\\d-\\d\\d "
                + "\\d\\d:\\d\\d:\\d\\dZ +- +0 +-");
        assertThat(lines.get(2)).matches("static/1 +Backup +yes +5 codes left +\\S+ \\S+ +- +0 +-");
        assertThat(lines.get(3)).isEqualTo("Second factor: not locked, 0 consecutive failures.");
        // Columns line up: every value starts where its heading does.
        assertThat(lines.get(1).indexOf("yes")).isEqualTo(lines.get(0).indexOf("CONFIRMED"));
        assertThat(lines.get(2).indexOf("5 codes")).isEqualTo(lines.get(0).indexOf("DESCRIPTION"));
    }

    @Test
    void listDevicesWhenLockedThenSaysHowToUnlockAndUnlockLiftsIt() {
        commands.run("create-backup-codes", "alice", "--count", "1");
        // One failure locks the account with a limit of 1 (the default is 100). A throttle of an hour, so that the
        // listing shows it however slowly the machine runs the commands.
        CommandRunner slow = commands.with("otpgate.verification.throttle-factor", "1h");
        Map<String, Object> limitOfOne = Map.of("otpgate.verification.account-failure-limit", "1");
        VerificationOutcome failed = slow.withContext(limitOfOne, context -> {
            long id = context.getBean(UserService.class).require("alice").id();
            return context.getBean(VerificationService.class).verify(id, "0000-0000-0000-0000",
                    Set.of(DeviceKind.STATIC), PendingSetups.NONE, null);
        });
        assertThat(failed).isEqualTo(new VerificationOutcome.Rejected(java.time.Duration.ofHours(1), true));

        Result locked = slow.run("list-devices", "alice");
        Result unlocked = slow.run("unlock", "alice");
        Result after = slow.run("list-devices", "alice");
        Result again = slow.run("unlock", "alice");

        assertThat(locked.out()).containsPattern("static/1 +Backup +yes +1 code left .* 1 +\\d{4}-")
                .containsPattern("Second factor: LOCKED since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ after 1 "
                        + "consecutive failure; lift it with: otpgate unlock alice\n");
        assertThat(unlocked.exitCode()).isZero();
        assertThat(unlocked.out()).isEqualTo("alice is unlocked: the second-factor lock and failure counts are "
                + "cleared.\n");
        assertThat(after.out()).containsPattern("1 code left .* - +0 +-\n")
                .endsWith("Second factor: not locked, 0 consecutive failures.\n");
        assertThat(again.exitCode()).isZero();
        assertThat(again.out()).isEqualTo("alice was not locked: nothing to do.\n");
    }

    @Test
    void listUnlockAndRemoveWhenUnknownUserThenExitOne() {
        for (String[] args : List.of(new String[] {"list-devices", "x"}, new String[] {"unlock", "x"},
                new String[] {"remove-otp", "x", "--yes"})) {
            Result result = commands.run(args);

            assertThat(result.exitCode()).as(args[0] + ": " + result).isEqualTo(1);
            assertThat(result.err()).isEqualTo("User \"x\" does not exist\n");
        }
    }

    @Test
    void removeOtpWhenYesThenEveryDeviceRemoved() {
        commands.run("add-otp-device", "alice", "--qr", directory.resolve("a.png").toString());
        commands.run("create-backup-codes", "alice", "--count", "2");
        List<Long> before = sessionsEnded("alice");

        Result result = commands.run("remove-otp", "alice", "--yes");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).isEqualTo("Removed 2 devices of alice and cleared the account's lock. alice logs in "
                + "with the password only until a new device is added.\n");
        assertThat(commands.run("list-devices", "alice").out()).startsWith("alice has no devices.");
        assertThat(sessionsEnded("alice")).as("SESSIONS_ENDED events, and the session version")
                .containsExactly(before.get(0) + 1, before.get(1) + 1);
    }

    @Test
    void removeOtpWhenNotOnTerminalWithoutYesThenRefusedAndNothingRemoved() {
        commands.run("create-backup-codes", "alice", "--count", "2");

        Result result = commands.run("remove-otp", "alice");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("remove-otp asks for confirmation, and standard input is not a terminal: "
                + "add --yes to remove alice's devices\n");
        assertThat(commands.run("list-devices", "alice").out()).contains("static/1");
    }

    @Test
    void removeOtpWhenOnTerminalThenAsksAndOnlyYesRemoves() {
        commands.run("create-backup-codes", "alice", "--count", "2");

        Result declined = commands.runOn("n\n", true, Map.of(), "remove-otp", "alice");
        Result accepted = commands.runOn("y\n", true, Map.of(), "remove-otp", "alice");

        assertThat(declined.exitCode()).isEqualTo(1);
        assertThat(declined.err()).isEqualTo("Remove every device of alice? They will log in with the password only. "
                + "[y/N] cancelled: nothing was removed\n");
        assertThat(accepted.exitCode()).as(accepted.toString()).isZero();
        assertThat(accepted.out()).startsWith("Removed 1 device of alice");
    }

    @Test
    void listDevicesWhenPasskeysThenEachWithUserVerifiedAndSynced() {
        addPasskey("alice", "Laptop", true, true);
        addPasskey("alice", "Blue key", false, false);

        Result result = commands.run("list-devices", "alice");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        List<String> lines = result.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(1))
                .matches("webauthn/1 +Laptop +yes +passkey, synced, user verified +\\S+ \\S+ +- +0 +-");
        assertThat(lines.get(2))
                .matches("webauthn/2 +Blue key +yes +passkey, user not verified +\\S+ \\S+ +- +0 +-");
        assertThat(lines.get(1).indexOf("passkey")).isEqualTo(lines.get(0).indexOf("DESCRIPTION"));
    }

    @Test
    void removeOtpWhenPasskeysThenRemovedWithTheOtherDevices() {
        commands.run("add-otp-device", "alice", "--qr", directory.resolve("a.png").toString());
        addPasskey("alice", "Laptop", true, true);

        Result result = commands.run("remove-otp", "alice", "--yes");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).startsWith("Removed 2 devices of alice");
        assertThat(commands.run("list-devices", "alice").out()).startsWith("alice has no devices.");
        long passkeys = commands.withContext(context -> context.getBean(JdbcClient.class)
                .sql("select count(*) from otpgate_webauthn_device").query(Long.class).single());
        assertThat(passkeys).isZero();
    }

    @Test
    void removeOtpHelpNamesPasskeys() {
        assertThat(commands.run("remove-otp", "--help").out()).contains("passkeys");
    }

    /** Registers a passkey for the user with a software authenticator reporting the given flags. */
    private void addPasskey(String username, String name, boolean userVerified, boolean synced) {
        RegistrationOutcome outcome = commands.withContext(context -> {
            long id = context.getBean(UserService.class).require(username).id();
            PasskeyRegistration registration = context.getBean(PasskeyRegistration.class);
            TestAuthenticator authenticator = new TestAuthenticator();
            authenticator.userVerified = userVerified;
            authenticator.backedUp = synced;
            PasskeyOptions.Creation options = registration.options(AccountRef.of(id, username), null, null);
            return registration.finish(id, authenticator.register(options.challenge(), options.rp().id(),
                    "http://localhost"), null, name, null);
        });
        assertThat(outcome).isInstanceOf(RegistrationOutcome.Registered.class);
    }

    /** The SESSIONS_ENDED events of the user and the account's session version. */
    private List<Long> sessionsEnded(String username) {
        return commands.withContext(context -> {
            long id = context.getBean(UserService.class).require(username).id();
            JdbcClient jdbc = context.getBean(JdbcClient.class);
            return List.of(jdbc.sql("select count(*) from otpgate_security_event where account_id = ? and kind = "
                    + "'SESSIONS_ENDED'").param(id).query(Long.class).single(),
                    context.getBean(Accounts.class).sessionVersion(id));
        });
    }

    private VerificationOutcome verify(String username, String code) {
        return commands.withContext(context -> {
            long id = context.getBean(UserService.class).require(username).id();
            return context.getBean(VerificationService.class).verify(id, code, Set.of(DeviceKind.STATIC), PendingSetups.NONE,
                    null);
        });
    }
}
