package io.otpgate.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.NotFoundException;
import com.google.zxing.ChecksumException;
import com.google.zxing.FormatException;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;

import io.otpgate.spring.device.PendingSetups;
import io.otpgate.core.ExternalTool;
import io.otpgate.core.OtpAuthUri;
import io.otpgate.server.cli.CommandRunner.Result;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.server.user.UserService;

/** {@code add-otp-device}: seed 000's command, its QR code (read by ZXing and zbarimg), and its refusals. */
class AddOtpDeviceCommandTest {

    static final String PASSWORD = "correct horse battery";

    @TempDir
    Path directory;

    CommandRunner commands;

    @BeforeEach
    void setUp() {
        commands = new CommandRunner(directory);
        Result created = commands.runWithStdin(PASSWORD + "\n", "createuser", "alice", "--password-stdin");
        assertThat(created.exitCode()).as(created.toString()).isZero();
    }

    @Test
    void addOtpDeviceWhenDefaultsThenSeedOutputAndOwnerOnlyPngInWorkingDirectory() throws Exception {
        Result result = commands.run("add-otp-device", "alice");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).isEqualTo("""
                OTP device created for alice. QR code saved to alice_qrcode.png
                The device (totp/1, "Default") is confirmed: scan the QR code now; the next login asks for its code.
                """);
        assertThat(result.err()).isEqualTo("""
                (QR code not drawn: standard output is not a terminal; --terminal-qr draws it anyway)
                The QR code holds the secret: delete alice_qrcode.png once it is scanned.
                """);
        Path png = directory.resolve("alice_qrcode.png");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(png))).isEqualTo("rw-------");
        OtpAuthUri uri = OtpAuthUri.parse(zxing(png));
        assertThat(uri.account()).isEqualTo("alice");
        assertThat(uri.issuer()).isEqualTo("otpgate");
        assertThat(result.all()).doesNotContain(uri.secret().exposeBase32()).doesNotContain("otpauth://");
    }

    @Test
    void addOtpDeviceWhenQrScannedThenOathtoolCodeEqualsOursAndTheServiceAcceptsIt() throws Exception {
        ExternalTool zbarimg = ExternalTool.require("zbarimg");
        ExternalTool oathtool = ExternalTool.require("oathtool");
        Path png = directory.resolve("phone.png");

        Result result = commands.run("add-otp-device", "alice", "--name", "Phone", "--qr", png.toString());

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).startsWith("OTP device created for alice. QR code saved to " + png + "\n");
        String fromZxing = zxing(png);
        String fromZbar = zbarimg.run("-q", "--raw", png.toString());
        assertThat(fromZbar).isEqualTo(fromZxing).startsWith("otpauth://totp/otpgate:alice?");
        OtpAuthUri uri = OtpAuthUri.parse(fromZbar);
        long now = Instant.now().getEpochSecond();
        String code = oathtool.run("--totp", "-b", "--digits=" + uri.digits(),
                "--time-step-size=" + uri.period().toSeconds() + "s", "--now=@" + now, uri.secret().exposeBase32());
        assertThat(code).isEqualTo(uri.toTotp().generate(uri.secret(), Instant.ofEpochSecond(now)));

        VerificationOutcome outcome = commands.withContext(context -> {
            long userId = context.getBean(UserService.class).require("alice").id();
            return context.getBean(VerificationService.class).verify(userId, code, Set.of(DeviceKind.TOTP), PendingSetups.NONE,
                    null);
        });

        // Confirmed by the command: found without includePending, and not confirmed again by this first code.
        assertThat(outcome).isInstanceOf(VerificationOutcome.Verified.class);
        assertThat(((VerificationOutcome.Verified) outcome).confirmedNow()).isFalse();
        Result list = commands.run("list-devices", "alice");
        assertThat(list.out()).contains("totp/1  Phone ").containsPattern("totp/1 +Phone +yes +SHA1, 6 digits, 30 s");
        assertThat(list.all()).doesNotContain(uri.secret().exposeBase32());
    }

    @Test
    void addOtpDeviceWhenShowSecretThenBase32SecretPrintedOnce() throws Exception {
        Path png = directory.resolve("a.png");

        Result result = commands.run("add-otp-device", "alice", "--qr", png.toString(), "--show-secret");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        String secret = OtpAuthUri.parse(zxing(png)).secret().exposeBase32();
        assertThat(result.out()).contains("Secret key: " + secret + "   (SHA1, 6 digits, 30 s)\n");
        assertThat(result.out().split(secret, -1)).hasSize(2);
    }

    @Test
    void addOtpDeviceWhenTerminalQrOrOnTerminalThenDrawn() throws Exception {
        Path png = directory.resolve("a.png");

        Result forced = commands.run("add-otp-device", "alice", "--qr", png.toString(), "--terminal-qr");
        Result onTerminal = commands.runOn("", true, Map.of(), "add-otp-device", "alice", "--qr",
                directory.resolve("b.png").toString());
        Result refused = commands.runOn("", true, Map.of(), "add-otp-device", "alice", "--qr",
                directory.resolve("c.png").toString(), "--no-terminal-qr");

        assertThat(forced.exitCode()).as(forced.toString()).isZero();
        assertThat(forced.out()).contains("\u2588", "\u2580", "\u2584", "\u001B[30;47m");
        assertThat(onTerminal.out()).contains("\u2588");
        assertThat(refused.out()).doesNotContain("\u2588");
        assertThat(refused.err()).doesNotContain("QR code not drawn");
    }

    @Test
    void addOtpDeviceWhenUnknownUserThenSeedMessageExitOneAndNoFile() {
        Result result = commands.run("add-otp-device", "x");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("User \"x\" does not exist\n");
        assertThat(result.out()).isEmpty();
        assertThat(directory.resolve("x_qrcode.png")).doesNotExist();
    }

    @Test
    void addOtpDeviceWhenFileExistsThenRefusedAndNoDevice() throws Exception {
        Path png = Files.writeString(directory.resolve("alice_qrcode.png"), "keep me");

        Result result = commands.run("add-otp-device", "alice");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("\"alice_qrcode.png\" exists: choose another file with --qr FILE, or "
                + "replace it with --force\n");
        assertThat(png).hasContent("keep me");
        assertThat(commands.run("list-devices", "alice").out()).startsWith("alice has no devices.\n");
    }

    @Test
    void addOtpDeviceWhenFileExistsAndForceThenReplacedOwnerOnly() throws Exception {
        Path png = Files.writeString(directory.resolve("alice_qrcode.png"), "old");
        Files.setPosixFilePermissions(png, PosixFilePermissions.fromString("rw-r--r--"));

        Result result = commands.run("add-otp-device", "alice", "--force");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(zxing(png)).startsWith("otpauth://totp/");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(png))).isEqualTo("rw-------");
        try (var files = Files.list(directory)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.endsWith(".tmp"));
        }
    }

    @Test
    void addOtpDeviceWhenDirectoryMissingThenRefusedAndNoDevice() {
        Result result = commands.run("add-otp-device", "alice", "--qr", "missing/alice.png");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("cannot save the QR code to \"missing/alice.png\": its directory does not "
                + "exist\n");
        assertThat(commands.run("list-devices", "alice").out()).startsWith("alice has no devices.\n");
    }

    @Test
    void addOtpDeviceWhenQrNamesADirectoryThenRefused() {
        Result result = commands.run("add-otp-device", "alice", "--qr", directory.toString());

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).endsWith("is a directory\n");
    }

    @Test
    void addOtpDeviceWhenNameTooLongThenRefusedAndReservedFileRemoved() {
        Result result = commands.run("add-otp-device", "alice", "--name", "n".repeat(65));

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("device name must be 1..64 characters\n");
        assertThat(directory.resolve("alice_qrcode.png")).doesNotExist();
    }

    private static String zxing(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).as("a PNG image in " + png).isNotNull();
        BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(new BufferedImageLuminanceSource(image)));
        try {
            return new QRCodeReader().decode(bitmap, Map.of(DecodeHintType.TRY_HARDER, Boolean.TRUE)).getText();
        } catch (NotFoundException | ChecksumException | FormatException e) {
            throw new AssertionError("ZXing cannot read the QR code in " + png, e);
        }
    }
}
