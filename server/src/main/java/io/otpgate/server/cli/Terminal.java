package io.otpgate.server.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The console of a command: standard input, output and error, password prompts and environment variables. Commands
 * read and print only through it, so that a test can feed their input and read their output.
 *
 * <p>Data (codes, tables) goes to {@link #out()}; prompts, notes and errors to {@link #err()}.
 */
public final class Terminal {

    /** The name of the bean that {@link Commands} registers. */
    static final String BEAN_NAME = "otpgateTerminal";

    private final BufferedReader in;
    private final PrintStream out;
    private final PrintStream err;
    private final Console console;
    private final boolean interactive;
    private final Charset outputCharset;
    private final UnaryOperator<String> environment;

    private Terminal(InputStream in, PrintStream out, PrintStream err, Console console, boolean interactive,
            Charset outputCharset, UnaryOperator<String> environment) {
        this.in = new BufferedReader(new InputStreamReader(in, Charset.defaultCharset()));
        this.out = out;
        this.err = err;
        this.console = console;
        this.interactive = interactive;
        this.outputCharset = outputCharset;
        this.environment = environment;
    }

    /**
     * The process's console.
     *
     * @param stdout the real standard output (the caller may have pointed {@code System.out} elsewhere)
     */
    static Terminal system(PrintStream stdout, PrintStream stderr) {
        Console console = terminalConsole();
        String encoding = System.getProperty("stdout.encoding", System.getProperty("sun.stdout.encoding"));
        Charset charset = encoding != null && Charset.isSupported(encoding) ? Charset.forName(encoding)
                : Charset.defaultCharset();
        return new Terminal(System.in, stdout, stderr, console, console != null, charset, System::getenv);
    }

    /**
     * Streams instead of the process's console: no password is read without echo, output is UTF-8.
     *
     * @param interactive whether to behave as on a terminal: ask questions (read as lines from {@code in}) and draw
     *     the QR code
     * @param environment the environment variables to see
     */
    static Terminal of(InputStream in, PrintStream out, PrintStream err, boolean interactive,
            Map<String, String> environment) {
        Map<String, String> copy = Map.copyOf(environment);
        return new Terminal(in, out, err, null, interactive, StandardCharsets.UTF_8, copy::get);
    }

    public PrintStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    /** The character set of standard output and error. */
    public Charset charset() {
        return outputCharset;
    }

    /** Whether a person is at a terminal: questions may be asked, and a QR code drawn. */
    public boolean interactive() {
        return interactive;
    }

    /** Whether standard output can show the text (a QR code's block characters need a Unicode terminal). */
    public boolean canPrint(String text) {
        return outputCharset.newEncoder().canEncode(text);
    }

    /** The value of an environment variable, or null if it is not set. */
    public String environment(String name) {
        return environment.apply(name);
    }

    /**
     * Asks a question and reads the answer: from the console when there is one, else a line of standard input (the
     * prompt then goes to standard error).
     *
     * @return the line without its terminator, or null at the end of input
     */
    public String readLine(String prompt) {
        if (console != null) {
            return console.readLine("%s", prompt);
        }
        err.print(prompt);
        err.flush();
        return nextLine();
    }

    /**
     * Asks for a password: without echo on a console, else as a line of standard input (the prompt to standard
     * error). Clear the array after use.
     *
     * @return the password without the line terminator, or null at the end of input
     */
    public char[] readPassword(String prompt) {
        if (console != null) {
            return console.readPassword("%s", prompt);
        }
        err.print(prompt);
        err.flush();
        String line = nextLine();
        return line == null ? null : line.toCharArray();
    }

    /**
     * Reads one line of standard input without a prompt, for {@code --password-stdin} (without echo when standard
     * input is the console).
     *
     * @return the line without its terminator, or null at the end of input
     */
    public char[] readSecretLine() {
        if (console != null) {
            return console.readPassword();
        }
        String line = nextLine();
        return line == null ? null : line.toCharArray();
    }

    void flush() {
        out.flush();
        err.flush();
    }

    private String nextLine() {
        try {
            return in.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read standard input: " + e.getMessage(), e);
        }
    }

    /**
     * The console if standard input and output are a terminal, else null. Up to Java 21 {@link System#console()} is
     * null otherwise; from Java 22 it may be a console on redirected streams, and {@code isTerminal()} tells (called
     * reflectively: otpgate is compiled for Java 17).
     */
    private static Console terminalConsole() {
        Console console = System.console();
        if (console == null) {
            return null;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return Boolean.TRUE.equals(isTerminal.invoke(console)) ? console : null;
        } catch (NoSuchMethodException e) {
            return console;
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
