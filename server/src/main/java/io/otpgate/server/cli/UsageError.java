package io.otpgate.server.cli;

/**
 * A command was called in a way it cannot work with (exit code 2, with its usage), found while it runs: two password
 * sources, or none. Thrown instead of picocli's {@code ParameterException}, which needs the command's
 * {@code @Spec}, and a {@code @Spec} field makes picocli create the command's bean to print any usage.
 */
final class UsageError extends RuntimeException {

    UsageError(String message) {
        super(message);
    }
}
