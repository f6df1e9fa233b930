package io.otpgate.server.cli;

import java.util.Locale;

import org.springframework.stereotype.Component;

import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** An operator's reset after a lost phone: removes every device of a user; the user is back to password only. */
@Component
@Command(name = "remove-otp", mixinStandardHelpOptions = true,
        description = {"Remove every second-factor device of a user (TOTP, HOTP, recovery codes, passkeys) and "
                + "clear the account's lock, after a lost phone.",
            "The user then logs in with the password only, until a new device is added."})
class RemoveOtpCommand implements OtpgateCommand {

    private final UserService users;
    private final DeviceService devices;
    private final Terminal terminal;

    @Parameters(index = "0", paramLabel = "USERNAME", description = "The user.")
    String username;

    @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation (needed when not on a terminal).")
    boolean yes;

    RemoveOtpCommand(UserService users, DeviceService devices, Terminal terminal) {
        this.users = users;
        this.devices = devices;
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        User user = users.require(username);
        if (!yes) {
            if (!terminal.interactive()) {
                throw OtpgateException.invalid("remove-otp asks for confirmation, and standard input is not a "
                        + "terminal: add --yes to remove " + user.username() + "'s devices");
            }
            String answer = terminal.readLine("Remove every device of " + user.username()
                    + "? They will log in with the password only. [y/N] ");
            if (answer == null || !(answer.strip().toLowerCase(Locale.ROOT).equals("y")
                    || answer.strip().toLowerCase(Locale.ROOT).equals("yes"))) {
                throw OtpgateException.invalid("cancelled: nothing was removed");
            }
        }
        int removed = devices.removeAll(user.id(), null);
        terminal.out().println("Removed " + removed + (removed == 1 ? " device" : " devices") + " of "
                + user.username() + " and cleared the account's lock. " + user.username()
                + " logs in with the password only until a new device is added.");
        return Commands.EXIT_OK;
    }
}
