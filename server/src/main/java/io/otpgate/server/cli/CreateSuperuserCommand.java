package io.otpgate.server.cli;

import java.nio.CharBuffer;
import java.util.Arrays;

import org.springframework.stereotype.Component;

import io.otpgate.spring.system.OtpgateException;
import io.otpgate.server.system.Texts;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.UserService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Django's {@code createsuperuser}: asks for the username, email and password (twice), or takes them from options,
 * the password from standard input or an environment variable.
 */
@Component
@Command(name = "createsuperuser", mixinStandardHelpOptions = true,
        description = {"Create a superuser (staff, all permissions) who can log in to the admin panel.",
            "Without --username, asks for the username, email and password (twice; without echo on a terminal)."})
class CreateSuperuserCommand implements OtpgateCommand {

    private final UserService users;
    private final Terminal terminal;

    @Option(names = "--username", paramLabel = "USERNAME", description = "The username; then nothing is asked "
            + "but the password, and only on a terminal without another password source.")
    String username;

    @Option(names = "--email", paramLabel = "EMAIL", description = "The email address (may be left out).")
    String email;

    @Option(names = {"--no-input", "--noinput"},
            description = "Never ask: fail instead (Django's --noinput). Needs --username and a password source.")
    boolean noInput;

    @Option(names = "--password-stdin", description = PasswordSource.STDIN_HELP)
    boolean passwordStdin;

    @Option(names = "--password-env", paramLabel = "VAR", description = PasswordSource.ENV_HELP)
    String passwordVariable;

    @Option(names = "--password", hidden = true, arity = "0..1")
    String passwordArgument;

    CreateSuperuserCommand(UserService users, Terminal terminal) {
        this.users = users;
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        boolean interactive = username == null;
        if (interactive && noInput) {
            throw new UsageError("--no-input needs --username");
        }
        String name = username;
        String address = email;
        if (interactive) {
            name = answer("Username: ");
            NewUser.checkUsername(name);
        }
        if (users.find(name).isPresent()) {
            // Before the password is asked for, not after.
            throw OtpgateException.conflict("user " + Texts.quote(name) + " already exists");
        }
        if (interactive && address == null) {
            address = answer("Email address: ");
        }
        NewUser user = new NewUser(name, address, "", "", true, true);
        PasswordSource source = new PasswordSource(passwordStdin, passwordVariable, passwordArgument);
        char[] secret = source.read(terminal, interactive || (terminal.interactive() && !noInput));
        try {
            users.create(user, CharBuffer.wrap(secret));
        } finally {
            Arrays.fill(secret, '\0');
        }
        terminal.out().println("Superuser " + Texts.quote(user.username()) + " created.");
        terminal.out().println("Next: otpgate add-otp-device " + user.username()
                + "   (the admin login asks for a one-time code)");
        return Commands.EXIT_OK;
    }

    private String answer(String prompt) {
        String line = terminal.readLine(prompt);
        if (line == null) {
            throw OtpgateException.invalid("no answer: the input ended at " + Texts.quote(prompt.strip()));
        }
        return line.strip();
    }
}
