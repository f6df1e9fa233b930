package io.otpgate.server.cli;

import java.nio.CharBuffer;
import java.util.Arrays;

import org.springframework.stereotype.Component;

import io.otpgate.server.system.Texts;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.UserService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Creates a user, the password from standard input, an environment variable or (on a terminal) a question. */
@Component
@Command(name = "createuser", mixinStandardHelpOptions = true, description = "Create a user.")
class CreateUserCommand implements OtpgateCommand {

    private final UserService users;
    private final Terminal terminal;

    @Parameters(index = "0", paramLabel = "USERNAME", description = "1..150 letters, digits and @ . + - _")
    String username;

    @Option(names = "--email", paramLabel = "EMAIL", description = "The email address.")
    String email;

    @Option(names = "--first-name", paramLabel = "NAME", description = "The first name.")
    String firstName;

    @Option(names = "--last-name", paramLabel = "NAME", description = "The last name.")
    String lastName;

    @Option(names = "--staff", description = "May log in to the admin panel.")
    boolean staff;

    @Option(names = "--superuser", description = "Has every permission (implies --staff).")
    boolean superuser;

    @Option(names = {"--no-input", "--noinput"}, description = "Never ask for the password: fail instead.")
    boolean noInput;

    @Option(names = "--password-stdin", description = PasswordSource.STDIN_HELP)
    boolean passwordStdin;

    @Option(names = "--password-env", paramLabel = "VAR", description = PasswordSource.ENV_HELP)
    String passwordVariable;

    @Option(names = "--password", hidden = true, arity = "0..1")
    String passwordArgument;

    CreateUserCommand(UserService users, Terminal terminal) {
        this.users = users;
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        NewUser user = new NewUser(username, email, firstName, lastName, staff || superuser, superuser);
        PasswordSource source = new PasswordSource(passwordStdin, passwordVariable, passwordArgument);
        char[] secret = source.read(terminal, terminal.interactive() && !noInput);
        try {
            users.create(user, CharBuffer.wrap(secret));
        } finally {
            Arrays.fill(secret, '\0');
        }
        String kind = user.superuser() ? "Superuser " : user.staff() ? "Staff user " : "User ";
        terminal.out().println(kind + Texts.quote(user.username()) + " created.");
        return Commands.EXIT_OK;
    }
}
