package io.otpgate.server.cli;

import java.nio.CharBuffer;
import java.util.Arrays;

import io.otpgate.spring.system.OtpgateException;
import io.otpgate.server.user.Passwords;

/**
 * Where a new user's password comes from: standard input, an environment variable, or questions on a terminal.
 * Never from an argument, which other users see in {@code ps} and the shell keeps in its history.
 *
 * <p>Each command declares the options itself, with the descriptions here, rather than through a picocli mixin: a
 * mixin makes picocli create the command's bean, and so open the database, only to print the usage.
 *
 * @param stdin {@code --password-stdin}: the first line of standard input
 * @param variable {@code --password-env VAR}, or null
 * @param argument {@code --password}, a hidden option that is refused without echoing its value, or null
 */
record PasswordSource(boolean stdin, String variable, String argument) {

    /** The variable read when no other source is given (as Django's {@code DJANGO_SUPERUSER_PASSWORD}). */
    static final String DEFAULT_VARIABLE = "OTPGATE_PASSWORD";
    static final String STDIN_HELP = "Read the password from the first line of standard input.";
    static final String ENV_HELP = "Read the password from the environment variable VAR (default: "
            + DEFAULT_VARIABLE + ", when it is set).";
    /** Attempts at a matching, valid password when asked on a terminal. */
    private static final int ATTEMPTS = 3;

    /**
     * The new password. Clear the array after use.
     *
     * @param ask whether to ask for it (twice) when no source is given: on a terminal, or in an interactive
     *     {@code createsuperuser}, which then reads the answers as lines of standard input
     * @throws UsageError if no source is given and asking is not allowed, or a source is unusable
     */
    char[] read(Terminal terminal, boolean ask) {
        if (argument != null) {
            throw new UsageError("a password is never given as an argument (others see it in ps and the shell "
                    + "history): use --password-stdin or --password-env VAR");
        }
        if (stdin && variable != null) {
            throw new UsageError("give either --password-stdin or --password-env, not both");
        }
        if (stdin) {
            char[] line = terminal.readSecretLine();
            if (line == null || line.length == 0) {
                throw new UsageError("--password-stdin: standard input has no password line");
            }
            return line;
        }
        if (variable != null) {
            String value = terminal.environment(variable);
            if (value == null || value.isEmpty()) {
                throw new UsageError("--password-env: the environment variable " + variable + " is not set or empty");
            }
            return value.toCharArray();
        }
        String value = terminal.environment(DEFAULT_VARIABLE);
        if (value != null && !value.isEmpty()) {
            return value.toCharArray();
        }
        if (!ask) {
            throw new UsageError("no password given: use --password-stdin or --password-env VAR, set " + DEFAULT_VARIABLE
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

    /** Never shows {@link #argument}: it is a password typed where it should not have been. */
    @Override
    public String toString() {
        return "PasswordSource[stdin=" + stdin + ", variable=" + variable + ", argument="
                + (argument == null ? "none" : "PROTECTED") + "]";
    }
}
