package io.otpgate.server.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.otpgate.server.OtpgateApplication;

/**
 * Runs commands as {@code java -jar otpgate-server.jar ...} would, on an embedded database in a directory of the
 * test's, with the output captured; and opens the same database in an application context of the test's own, to
 * check what a command did through the services.
 */
final class CommandRunner {

    private final Path directory;
    private final Map<String, Object> overrides;

    CommandRunner(Path directory) {
        this(directory, Map.of());
    }

    private CommandRunner(Path directory, Map<String, Object> overrides) {
        this.directory = directory;
        this.overrides = overrides;
    }

    /** The same, with one property changed. */
    CommandRunner with(String property, Object value) {
        Map<String, Object> changed = new LinkedHashMap<>(overrides);
        changed.put(property, value);
        return new CommandRunner(directory, changed);
    }

    Path directory() {
        return directory;
    }

    /** A file database in the directory, as the embedded default (without AUTO_SERVER: one process at a time). */
    Map<String, Object> properties() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("spring.datasource.url", "jdbc:h2:file:" + directory.resolve("otpgate")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
        properties.put("otpgate.data-dir", directory.toString());
        properties.put("otpgate.secrets.key-file", directory.resolve("otpgate.key").toString());
        properties.put("otpgate.secrets.keys", "");
        properties.put("otpgate.cli.working-dir", directory.toString());
        properties.putAll(overrides);
        return properties;
    }

    /** Runs a command through the public entry for tests: empty standard input, the process's environment. */
    Result run(String... args) {
        return runWithStdin("", args);
    }

    /** Runs a command with the given standard input, through the public entry for tests. */
    Result runWithStdin(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayInputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        int exitCode = Commands.run(args, properties(), in, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Runs a command on a terminal of the test's making.
     *
     * @param interactive whether the command may ask questions (answered by the lines of {@code stdin})
     * @param environment the only environment variables the command sees
     */
    Result runOn(String stdin, boolean interactive, Map<String, String> environment, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Terminal terminal = Terminal.of(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                interactive, environment);
        int exitCode = Commands.run(args, properties(), terminal);
        return new Result(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Opens the database in an application context of the test's (no web server), and applies the function. */
    <T> T withContext(Map<String, Object> extraProperties, Function<ConfigurableApplicationContext, T> function) {
        Map<String, Object> properties = new LinkedHashMap<>(properties());
        properties.putAll(extraProperties);
        String[] args = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(OtpgateApplication.class)
                .web(WebApplicationType.NONE).run(args)) {
            return function.apply(context);
        }
    }

    <T> T withContext(Function<ConfigurableApplicationContext, T> function) {
        return withContext(Map.of(), function);
    }

    /** What a command did: its exit code and everything it printed. */
    record Result(int exitCode, String out, String err) {

        String all() {
            return out + err;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
