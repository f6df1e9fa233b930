package io.otpgate.server.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

import org.springframework.stereotype.Component;

import io.otpgate.server.django.DjangoImport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Imports the users, devices and profiles of a Django system that used django-otp (counts printed, no secret). */
@Component
@Command(name = "import-django", mixinStandardHelpOptions = true,
        description = {"Import users with their password hashes, django-otp devices (TOTP, HOTP, static tokens) and "
                + "profiles from the JSON of Django's",
            "  manage.py dumpdata auth.user otp_totp otp_static accounts > dump.json",
            "(add otp_hotp if that app is installed; other models are counted and left out).",
            "All or nothing. Users imported before (matched on their Django id) are skipped, so running it again "
                + "changes nothing; a username that exists in otpgate without having been imported stops the "
                + "import."})
class ImportDjangoCommand implements OtpgateCommand {

    private final DjangoImport djangoImport;
    private final Terminal terminal;

    @Parameters(index = "0", paramLabel = "FILE",
            description = "The JSON printed by manage.py dumpdata (at most 256 MB).")
    Path file;

    @Option(names = "--dry-run",
            description = "Read and check the file, and print what would be imported; write nothing.")
    boolean dryRun;

    ImportDjangoCommand(DjangoImport djangoImport, Terminal terminal) {
        this.djangoImport = djangoImport;
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        PrintStream err = terminal.err();
        DjangoImport.Summary summary = djangoImport.importFile(file, dryRun,
                read -> err.println("read " + read + " objects..."));
        PrintStream out = terminal.out();
        out.println((summary.dryRun() ? "Dry run, nothing written: " + file + " would import " : "Imported ")
                + users(summary.usersImported()) + " from " + summary.objectsRead() + " objects"
                + (summary.usersSkipped() > 0 ? "; " + users(summary.usersSkipped()) + " imported before, skipped"
                        + " with their devices and profiles" : "") + ".");
        out.println("  TOTP devices:    " + summary.totpDevices());
        out.println("  HOTP devices:    " + summary.hotpDevices());
        out.println("  static devices:  " + summary.staticDevices() + " with " + summary.staticTokens()
                + " tokens (stored as digests)");
        out.println("  profiles:        " + summary.profiles());
        out.println("  OAuth profiles:  " + summary.oauthProfiles());
        if (summary.unusablePasswords() > 0) {
            out.println("  " + users(summary.unusablePasswords()) + " without a usable password (as in Django): "
                    + "they need a new password to log in.");
        }
        if (!summary.ignored().isEmpty()) {
            out.println("  ignored:         " + describe(summary.ignored()));
        }
        return Commands.EXIT_OK;
    }

    private static String users(int count) {
        return count + (count == 1 ? " user" : " users");
    }

    private static String describe(Map<String, Long> ignored) {
        return ignored.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                .collect(Collectors.joining(", "));
    }
}
