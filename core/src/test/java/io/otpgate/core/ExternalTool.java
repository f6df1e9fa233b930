package io.otpgate.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * A command-line program from the system that a test compares against (oathtool, zbarimg). Without the program the
 * test is skipped on a developer's machine, but fails in CI ({@code CI} set, as {@code .ci/run} does), so that a
 * missing install step can never turn an interop test into a silent skip. Other modules' tests use it through
 * otpgate-core's test jar.
 */
public final class ExternalTool {

    private final String name;

    private ExternalTool(String name) {
        this.name = name;
    }

    public static ExternalTool require(String name) {
        String path = System.getenv().getOrDefault("PATH", "");
        boolean found = !path.isEmpty() && Arrays.stream(path.split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, name)));
        if (!found) {
            String message = name + " is not installed (apt-get install the package that .ci/run names)";
            if (System.getenv("CI") != null) {
                throw new AssertionError(message + "; CI is set, so this test may not be skipped");
            }
            Assumptions.abort(message);
        }
        return new ExternalTool(name);
    }

    /** Runs the program with the arguments and returns its standard output; fails on a non-zero exit. */
    public String run(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(name);
        command.addAll(List.of(arguments));
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as(name + " finished").isTrue();
            assertThat(process.exitValue()).as(name + " exit status").isZero();
            return out.strip();
        } catch (IOException e) {
            throw new AssertionError("could not run " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + name, e);
        }
    }
}
