package io.otpgate.server.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;

import org.springframework.stereotype.Component;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.qr.QrCodes;
import io.otpgate.server.system.Texts;
import io.otpgate.spring.totp.TotpEnrolment;
import io.otpgate.spring.totp.TotpEnrolment.Enrolment;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Seed 000's {@code add_otp_device}: an operator gives a user a TOTP device, confirmed at once (the user scans the
 * QR code there and then, and the next login asks for a code), and the QR code as a PNG file and in the terminal.
 */
@Component
@Command(name = "add-otp-device", mixinStandardHelpOptions = true,
        description = {"Give a user a TOTP device for an authenticator app, confirmed at once: the user scans the "
                + "QR code now, and the next login asks for a code.",
            "The QR code is saved to USERNAME_qrcode.png (or --qr FILE), readable by you only, and drawn in the "
                + "terminal. Both hold the secret: delete the file once it is scanned."})
class AddOtpDeviceCommand implements OtpgateCommand {

    private final UserService users;
    private final TotpEnrolment enrolment;
    private final CliProperties properties;
    private final Terminal terminal;

    @Parameters(index = "0", paramLabel = "USERNAME", description = "The user.")
    String username;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "Default",
            description = "The device's name, 1..64 characters (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--qr", paramLabel = "FILE", description = "Where to save the PNG (default: USERNAME_qrcode.png "
            + "in the current directory).")
    String qrFile;

    @Option(names = "--force", description = "Replace the PNG file if it exists.")
    boolean force;

    @Option(names = "--show-secret", description = "Also print the secret in Base32, for typing into an app.")
    boolean showSecret;

    @Option(names = "--terminal-qr", negatable = true, description = "Draw the QR code in the terminal (default: "
            + "when standard output is a terminal).")
    Boolean terminalQr;

    AddOtpDeviceCommand(UserService users, TotpEnrolment enrolment, CliProperties properties, Terminal terminal) {
        this.users = users;
        this.enrolment = enrolment;
        this.properties = properties;
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        User user = users.require(username);
        String shown = qrFile != null ? qrFile : user.username() + "_qrcode.png";
        QrCodeFile file = QrCodeFile.reserve(properties.workingDir().resolve(shown), shown, force);
        Enrolment device;
        try {
            device = enrolment.enrol(user, name, true, null);
        } catch (RuntimeException e) {
            file.abandon();
            throw e;
        }
        OtpAuthUri uri = device.uri();
        try {
            file.write(QrCodes.png(uri));
        } catch (IOException e) {
            file.abandon();
            throw new UncheckedIOException("device " + device.device() + " was created, but its QR code could not be "
                    + "saved to " + Texts.quote(shown) + ": " + QrCodeFile.reason(e) + ". Start again with "
                    + "otpgate remove-otp " + user.username(), e);
        }

        PrintStream out = terminal.out();
        out.println("OTP device created for " + user.username() + ". QR code saved to " + shown);
        out.println("The device (" + device.device() + ", " + Texts.quote(name.strip())
                + ") is confirmed: scan the QR code now; the next login asks for its code.");
        drawQrCode(uri);
        if (showSecret) {
            out.println("Secret key: " + uri.secret().exposeBase32() + "   (" + uri.algorithm() + ", "
                    + uri.digits() + " digits, " + uri.period().toSeconds() + " s)");
        }
        terminal.err().println("The QR code holds the secret: delete " + shown + " once it is scanned.");
        return Commands.EXIT_OK;
    }

    private void drawQrCode(OtpAuthUri uri) {
        boolean draw = terminalQr != null ? terminalQr : terminal.interactive();
        if (!draw) {
            if (terminalQr == null) {
                terminal.err().println("(QR code not drawn: standard output is not a terminal; --terminal-qr draws "
                        + "it anyway)");
            }
            return;
        }
        String text = QrCodes.terminal(uri);
        if (!terminal.canPrint(text)) {
            terminal.err().println("(QR code not drawn: the terminal's character set has no block characters; "
                    + "open the PNG instead)");
            return;
        }
        terminal.out().println(text);
    }
}
