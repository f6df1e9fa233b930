package io.otpgate.server.cli;

import org.springframework.stereotype.Component;

import io.otpgate.spring.recovery.RecoveryCodeService;
import io.otpgate.spring.recovery.RecoveryCodeService.Issued;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Seed 000's {@code create_backup_codes}: new recovery codes for a user, valid at once, printed once. */
@Component
@Command(name = "create-backup-codes", mixinStandardHelpOptions = true,
        description = {"Give a user new recovery codes, valid at once; each logs in once in place of a one-time code.",
            "They replace the user's earlier codes and are shown only now: otpgate keeps only their digests."})
class CreateBackupCodesCommand implements OtpgateCommand {

    private final UserService users;
    private final RecoveryCodeService recoveryCodes;
    private final Terminal terminal;

    @Parameters(index = "0", paramLabel = "USERNAME", description = "The user.")
    String username;

    @Option(names = "--count", paramLabel = "N", defaultValue = "10",
            description = "How many codes (default: ${DEFAULT-VALUE}).")
    int count;

    CreateBackupCodesCommand(UserService users, RecoveryCodeService recoveryCodes, Terminal terminal) {
        this.users = users;
        this.recoveryCodes = recoveryCodes;
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        User user = users.require(username);
        Issued issued = recoveryCodes.issue(user.id(), count, false, null);
        terminal.out().println(issued.codes().size() + " recovery codes for " + user.username()
                + ". They replace any earlier ones and are shown only now: give them to the user to keep safe.");
        issued.codes().forEach(terminal.out()::println);
        return Commands.EXIT_OK;
    }
}
