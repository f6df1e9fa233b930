package io.otpgate.server.cli;

import java.nio.CharBuffer;
import java.util.Arrays;

import io.otpgate.server.system.OtpgateException;
import io.otpgate.server.user.Passwords;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Where a new user's password comes from: standard input, an environment variable, or questions on a terminal.
 * Never from an argument, which other users see in {@code ps} and the shell keeps in its history.
 */
final class PasswordOptions {

    /** The variable read when no other source is given (as Django's {@code DJANGO_SUPERUSER_PASSWORD}). */
    static final String DEFAULT_VARIABLE = "OTPGATE_PASSWORD";
    /** Attempts at a matching, valid password when asked on a terminal. */
    private static final int ATTEMPTS = 3;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
    boolean stdin;

    @Option(names = "--password-env", paramLabel = "VAR",
            description = "Read the password from the environment variable VAR (default: " + DEFAULT_VARIABLE
                    + ", when it is set).")
    String variable;

    /** Refused without echoing its value: see the class comment. */
    @Option(names = "--password", hidden = true, arity = "0..1")
    String argument;

    /**
     * The new password. Clear the array after use.
     *
     * @param ask whether to ask for it (twice) when no source is given: on a terminal, or in an interactive
     *     {@code createsuperuser}, which then reads the answers as lines of standard input
     * @throws ParameterException if no source is given and asking is not allowed, or a source is unusable
     */
    char[] read(Terminal terminal, boolean ask) {
        if (argument != null) {
            throw usage("a password is never given as an argument (others see it in ps and the shell history): "
                    + "use --password-stdin or --password-env VAR");
        }
        if (stdin && variable != null) {
            throw usage("give either --password-stdin or --password-env, not both");
        }
        if (stdin) {
            char[] line = terminal.readSecretLine();
            if (line == null || line.length == 0) {
                throw usage("--password-stdin: standard input has no password line");
            }
            return line;
        }
        if (variable != null) {
            String value = terminal.environment(variable);
            if (value == null || value.isEmpty()) {
                throw usage("--password-env: the environment variable " + variable + " is not set or empty");
            }
            return value.toCharArray();
        }
        String value = terminal.environment(DEFAULT_VARIABLE);
        if (value != null && !value.isEmpty()) {
            return value.toCharArray();
        }
        if (!ask) {
            throw usage("no password given: use --password-stdin or --password-env VAR, set " + DEFAULT_VARIABLE
                    + ", or run the command on a terminal to be asked");
        }
        return ask(terminal);
    }

    private static char[] ask(Terminal terminal) {
        int attempts = terminal.interactive() ? ATTEMPTS : 1;
        for (int attempt = 1; ; attempt++) {
            char[] password = terminal.readPassword("Password: ");
            if (password == null) {
                throw OtpgateException.invalid("no password: the input ended");
            }
            char[] again = terminal.readPassword("Password (again): ");
            String problem = again == null ? "no password: the input ended"
                    : !Arrays.equals(password, again) ? "the passwords do not match"
                    : check(password);
            if (again != null) {
                Arrays.fill(again, '\0');
            }
            if (problem == null) {
                return password;
            }
            Arrays.fill(password, '\0');
            if (attempt >= attempts || again == null) {
                throw OtpgateException.invalid(problem);
            }
            terminal.err().println(problem + "; try again");
        }
    }

    private static String check(char[] password) {
        try {
            Passwords.check(CharBuffer.wrap(password));
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
