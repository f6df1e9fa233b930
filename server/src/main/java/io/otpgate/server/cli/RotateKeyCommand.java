package io.otpgate.server.cli;

import java.io.PrintStream;
import java.util.stream.Collectors;

import org.springframework.stereotype.Component;

import io.otpgate.spring.secret.KeyRotation;
import picocli.CommandLine.Command;

/** Re-seals every secret at rest under a new key (key ids and counts printed, never a key). */
@Component
@Command(name = "rotate-key", mixinStandardHelpOptions = true,
        description = {"Re-encrypt every secret at rest (TOTP and HOTP secrets, OAuth credentials, the server's own "
                + "keys) under a new key, all or nothing.",
            "With the key file (the embedded default) a new key is made, and the old one removed from the file once "
                + "nothing uses it. Running servers that share the key file follow it; no restart is needed.",
            "With OTPGATE_SECRETS_KEYS, put a new key first there (and restart) before running it; it names the old "
                + "keys to remove afterwards."})
class RotateKeyCommand implements OtpgateCommand {

    private final KeyRotation rotation;
    private final Terminal terminal;

    RotateKeyCommand(KeyRotation rotation, Terminal terminal) {
        this.rotation = rotation;
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        KeyRotation.Summary summary = rotation.rotate();
        PrintStream out = terminal.out();
        if (summary.keyFile() != null) {
            out.println("Rotated from key " + summary.previousPrimaryId() + " to the new key " + summary.primaryId()
                    + " in " + summary.keyFile() + ".");
        } else {
            out.println("Every value is sealed under the configured primary key " + summary.primaryId() + ".");
        }
        out.println("Re-sealed " + summary.total() + (summary.total() == 1 ? " value:" : " values:"));
        summary.resealed().forEach((column, count) -> out.println("  " + column + ": " + count));
        if (summary.oldKeysKept()) {
            out.println("Values sealed under an old key kept appearing (a running server still uses it), so the old "
                    + "keys stay. Restart every server and run rotate-key again.");
        } else if (summary.keyFile() != null) {
            out.println("Removed from the key file: key " + ids(summary) + ". Running servers read the new key file "
                    + "within a second. Back up the new key file with the database.");
        } else if (!summary.retiredKeyIds().isEmpty()) {
            out.println("No value uses key " + ids(summary) + " any more: remove it from OTPGATE_SECRETS_KEYS "
                    + "(otpgate.secrets.keys) on every instance.");
        } else {
            out.println("The configuration holds no other key. To rotate, put a new key first in "
                    + "OTPGATE_SECRETS_KEYS on every instance, restart them, and run rotate-key again.");
        }
        return Commands.EXIT_OK;
    }

    private static String ids(KeyRotation.Summary summary) {
        return summary.retiredKeyIds().stream().map(String::valueOf).collect(Collectors.joining(", "));
    }
}
