package io.otpgate.server.cli;

import java.util.concurrent.Callable;

/**
 * A management command: a Spring bean annotated with picocli's {@code @Command(name = ...)}; every bean of this type
 * becomes a subcommand of {@code otpgate}. It returns its exit code: 0 on success, 1 when the request is refused
 * (an unknown user, a bad value), 2 on a usage error (picocli's own).
 */
public interface OtpgateCommand extends Callable<Integer> {
}
