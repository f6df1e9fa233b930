package io.otpgate.server.cli;

import org.springframework.stereotype.Component;

import io.otpgate.spring.device.DeviceService;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Lifts a user's second-factor lock (after too many wrong codes) and the throttling of each device. */
@Component
@Command(name = "unlock", mixinStandardHelpOptions = true,
        description = "Lift a user's second-factor lock after too many wrong codes, and every device's throttling.")
class UnlockCommand implements OtpgateCommand {

    private final UserService users;
    private final DeviceService devices;
    private final Terminal terminal;

    @Parameters(index = "0", paramLabel = "USERNAME", description = "The user.")
    String username;

    UnlockCommand(UserService users, DeviceService devices, Terminal terminal) {
        this.users = users;
        this.devices = devices;
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        User user = users.require(username);
        if (devices.unlock(user.id(), null)) {
            terminal.out().println(user.username() + " is unlocked: the second-factor lock and failure counts are "
                    + "cleared.");
        } else {
            terminal.out().println(user.username() + " was not locked: nothing to do.");
        }
        return Commands.EXIT_OK;
    }
}
