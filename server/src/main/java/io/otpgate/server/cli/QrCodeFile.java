package io.otpgate.server.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

import io.otpgate.spring.system.OtpgateException;
import io.otpgate.server.system.Texts;

/**
 * The PNG file of a new device's QR code. It holds the TOTP secret, so it is created readable by its owner only,
 * and an existing file is replaced only when asked. The file is reserved before the device is created, so that a
 * name that is taken, or a directory that cannot be written, refuses the command before anything changes.
 */
final class QrCodeFile {

    private final Path target;
    private final String shown;
    /** The file the bytes go to first: the target itself, or a temporary file that replaces it. */
    private final Path pending;

    private QrCodeFile(Path target, String shown, Path pending) {
        this.target = target;
        this.shown = shown;
        this.pending = pending;
    }

    /**
     * Creates the file (empty, owner-only), or with {@code replace} a temporary file beside it.
     *
     * @param shown the name as the operator gave it, for messages
     * @throws OtpgateException if the file exists and {@code replace} is false, or names a directory
     * @throws UncheckedIOException if it cannot be created
     */
    static QrCodeFile reserve(Path target, String shown, boolean replace) {
        Path absolute = target.toAbsolutePath().normalize();
        if (Files.isDirectory(absolute)) {
            throw OtpgateException.invalid("--qr must name a file, " + Texts.quote(shown) + " is a directory");
        }
        Path directory = absolute.getParent();
        if (directory == null || !Files.isDirectory(directory)) {
            throw OtpgateException.invalid("cannot save the QR code to " + Texts.quote(shown)
                    + ": its directory does not exist");
        }
        try {
            if (!replace) {
                Files.createFile(absolute, ownerOnly());
                return new QrCodeFile(absolute, shown, absolute);
            }
            // createTempFile makes the file owner-only on POSIX file systems.
            Path temporary = Files.createTempFile(directory, "." + absolute.getFileName(), ".tmp");
            return new QrCodeFile(absolute, shown, temporary);
        } catch (FileAlreadyExistsException e) {
            throw OtpgateException.conflict(Texts.quote(shown) + " exists: choose another file with --qr FILE, "
                    + "or replace it with --force");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the QR code to " + Texts.quote(shown) + ": " + reason(e), e);
        }
    }

    /** Writes the image and moves it into place. */
    void write(byte[] png) throws IOException {
        Files.write(pending, png, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        if (!pending.equals(target)) {
            try {
                Files.move(pending, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(pending, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** Deletes what {@link #reserve} created, after a failure. */
    void abandon() {
        try {
            Files.deleteIfExists(pending);
        } catch (IOException e) {
            // Nothing was written to it yet; an empty file left behind does no harm.
        }
    }

    String shown() {
        return shown;
    }

    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static FileAttribute<?>[] ownerOnly() {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------"))};
        }
        return new FileAttribute<?>[0];
    }
}
