package io.otpgate.qr;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;

import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.EncodeHintType;
import com.google.zxing.ReaderException;
import com.google.zxing.WriterException;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.client.j2se.MatrixToImageWriter;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;

import io.otpgate.core.OtpAuthUri;

/**
 * QR codes of otpauth URIs, for an authenticator app to scan: PNG images and text for a terminal.
 *
 * <p>Every code uses error correction level M and has a quiet zone of 4 modules (the light border that the QR
 * standard requires around the symbol). Text that is not ASCII is encoded as UTF-8 (with an ECI header); an
 * otpauth URI is always ASCII.
 *
 * <p>The content of a code holds the secret, so no message of an exception from this class quotes it, and nothing is
 * logged or written to disk. Every method refuses {@code null} arguments with an {@link IllegalArgumentException}.
 */
public final class QrCodes {

    /** Pixels per module of {@link #png(OtpAuthUri)}: 8 makes a typical otpauth URI about 400 to 500 pixels wide. */
    public static final int DEFAULT_PIXELS_PER_MODULE = 8;
    public static final int MIN_PIXELS_PER_MODULE = 1;
    public static final int MAX_PIXELS_PER_MODULE = 32;

    private static final int QUIET_ZONE = 4;
    /** Bytes that version 40 holds at level M in byte mode, the mode that an otpauth URI needs. */
    private static final int MAX_BYTES = 2331;
    /** No text longer than version 40's numeric capacity at level M can fit, so ZXing need not try it. */
    private static final int MAX_CHARACTERS = 5596;

    private static final char UPPER_HALF = '\u2580';
    private static final char LOWER_HALF = '\u2584';
    private static final char FULL = '\u2588';
    private static final String BLACK_ON_WHITE = "\u001B[30;47m";
    private static final String RESET = "\u001B[0m";

    private QrCodes() {
    }

    /**
     * The URI as a PNG image with {@value #DEFAULT_PIXELS_PER_MODULE} pixels per module.
     *
     * @throws IllegalArgumentException if {@code uri} is null
     */
    public static byte[] png(OtpAuthUri uri) {
        return png(uriText(uri), DEFAULT_PIXELS_PER_MODULE);
    }

    /**
     * The text as a PNG image: a square, black modules on white, each module a square of {@code pixelsPerModule}
     * pixels, so its width in pixels is {@code (modules across the symbol + 8) * pixelsPerModule}. Scale it only by
     * whole factors and without smoothing. Scanners want a few pixels per module: 1 is for a caller that scales the
     * image itself.
     *
     * @param content         the text to encode, not null or empty, at most 2331 bytes as UTF-8 (a few less when it is
     *                        not ASCII)
     * @param pixelsPerModule width of a module in pixels, {@value #MIN_PIXELS_PER_MODULE} to
     *                        {@value #MAX_PIXELS_PER_MODULE}
     * @throws IllegalArgumentException if {@code content} is null, empty or does not fit in a QR code, or if
     *                                  {@code pixelsPerModule} is out of range
     */
    public static byte[] png(String content, int pixelsPerModule) {
        if (pixelsPerModule < MIN_PIXELS_PER_MODULE || pixelsPerModule > MAX_PIXELS_PER_MODULE) {
            throw new IllegalArgumentException("pixelsPerModule must be " + MIN_PIXELS_PER_MODULE + ".."
                    + MAX_PIXELS_PER_MODULE + ", got " + pixelsPerModule);
        }
        BitMatrix pixels = scaled(modules(content), pixelsPerModule);
        return encodePng(MatrixToImageWriter.toBufferedImage(pixels));
    }

    /**
     * The URI as text for a terminal, in the {@link TerminalStyle#ANSI} style, which reads on dark and light themes.
     *
     * @throws IllegalArgumentException if {@code uri} is null
     * @see #terminal(String, TerminalStyle)
     */
    public static String terminal(OtpAuthUri uri) {
        return terminal(uriText(uri), TerminalStyle.ANSI);
    }

    /**
     * The text as a QR code drawn with the block characters U+2580 (upper half), U+2584 (lower half), U+2588 (full)
     * and spaces: each character is one module wide and two modules high. The quiet zone is 4 modules on every side
     * (5 at the bottom, since the symbol has an odd number of rows), so every line has the same number of characters:
     * the symbol's width in modules plus 8. Lines are separated by {@code '\n'}, with none after the last. In the
     * {@link TerminalStyle#ANSI} style each line also starts and ends with an escape code, which take no width.
     *
     * <p>The characters are single-width in Western locales; a terminal that draws East Asian "ambiguous width"
     * characters double-width distorts the code.
     *
     * @param content the text to encode, not null or empty, at most 2331 bytes as UTF-8 (a few less when it is not
     *                ASCII)
     * @param style   how to draw the modules, see {@link TerminalStyle}; not null
     * @throws IllegalArgumentException if {@code content} is null, empty or does not fit in a QR code, or if
     *                                  {@code style} is null
     */
    public static String terminal(String content, TerminalStyle style) {
        if (style == null) {
            throw new IllegalArgumentException("style must not be null");
        }
        BitMatrix modules = modules(content);
        int columns = modules.getWidth() + 2 * QUIET_ZONE;
        int rows = modules.getHeight() + 2 * QUIET_ZONE;
        boolean blockIsDark = style != TerminalStyle.LIGHT_ON_DARK;
        StringBuilder text = new StringBuilder();
        for (int row = 0; row < rows; row += 2) {
            if (row > 0) {
                text.append('\n');
            }
            if (style == TerminalStyle.ANSI) {
                text.append(BLACK_ON_WHITE);
            }
            for (int column = 0; column < columns; column++) {
                boolean top = isDark(modules, column - QUIET_ZONE, row - QUIET_ZONE) == blockIsDark;
                boolean bottom = isDark(modules, column - QUIET_ZONE, row + 1 - QUIET_ZONE) == blockIsDark;
                text.append(top ? (bottom ? FULL : UPPER_HALF) : (bottom ? LOWER_HALF : ' '));
            }
            if (style == TerminalStyle.ANSI) {
                // Reset before the newline: a terminal fills the rest of the line with the background colour that
                // is set when the line ends, and the code's colours must not bleed into text printed after it.
                text.append(RESET);
            }
        }
        return text.toString();
    }

    private static String uriText(OtpAuthUri uri) {
        if (uri == null) {
            throw new IllegalArgumentException("uri must not be null");
        }
        return uri.toUriString();
    }

    /**
     * The symbol without a quiet zone, one bit per module, set for a dark module.
     *
     * <p>ZXing picks the mask with the lowest penalty (ISO/IEC 18004 §7.8.3), yet in about 2% of symbols the data
     * then holds something that looks like a finder pattern, and ZXing's own detector (which several authenticator
     * apps use) misses the code. So the symbol is read back the way a camera scanner reads it, and when that fails
     * the other seven masks are tried in turn: every mask gives a valid symbol of the same content.
     */
    private static BitMatrix modules(String content) {
        if (content == null) {
            throw new IllegalArgumentException("content must not be null");
        }
        if (content.isEmpty()) {
            throw new IllegalArgumentException("content must not be empty");
        }
        if (content.length() > MAX_CHARACTERS) {
            throw tooLong(content, null);
        }
        if (!StandardCharsets.UTF_8.newEncoder().canEncode(content)) {
            // ZXing would silently write '?' for the lone half of a surrogate pair.
            throw new IllegalArgumentException("content must be valid text, it has an unpaired surrogate");
        }
        Map<EncodeHintType, Object> hints = new EnumMap<>(EncodeHintType.class);
        hints.put(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M);
        hints.put(EncodeHintType.MARGIN, 0);
        // Without a character set ZXing writes ISO-8859-1 and turns anything else into '?'. ASCII reads the same in
        // both, and there the ECI header that a character set adds would only cost room and confuse old readers.
        if (!content.chars().allMatch(c -> c < 0x80)) {
            hints.put(EncodeHintType.CHARACTER_SET, StandardCharsets.UTF_8.name());
        }
        BitMatrix preferred = encode(content, hints);
        if (scansBack(preferred, content)) {
            return preferred;
        }
        for (int mask = 0; mask < 8; mask++) {
            hints.put(EncodeHintType.QR_MASK_PATTERN, mask);
            BitMatrix symbol = encode(content, hints);
            if (scansBack(symbol, content)) {
                return symbol;
            }
        }
        return preferred;  // no mask scans back (never seen): the symbol is still valid for other scanners
    }

    private static BitMatrix encode(String content, Map<EncodeHintType, Object> hints) {
        try {
            // A requested size of 0 makes ZXing return one pixel per module.
            return new QRCodeWriter().encode(content, BarcodeFormat.QR_CODE, 0, 0, hints);
        } catch (WriterException e) {
            throw tooLong(content, e);
        }
    }

    /**
     * Whether ZXing's finder-pattern detector reads the symbol back to content. Drawn at 8 pixels per module: of
     * 2000 symbols of random secrets, every one that the detector missed at some scale from 2 to 12 it missed at 8,
     * and with masks chosen by this check it missed none at 4 and above (one at 3). It costs about 7 ms a symbol.
     */
    private static boolean scansBack(BitMatrix symbol, String content) {
        BufferedImage image = MatrixToImageWriter.toBufferedImage(scaled(symbol, DEFAULT_PIXELS_PER_MODULE));
        BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(new BufferedImageLuminanceSource(image)));
        try {
            return content.equals(new QRCodeReader().decode(bitmap).getText());
        } catch (ReaderException e) {
            return false;
        }
    }

    /** The symbol with its quiet zone, each module a square of {@code pixelsPerModule} pixels. */
    private static BitMatrix scaled(BitMatrix modules, int pixelsPerModule) {
        int size = (modules.getWidth() + 2 * QUIET_ZONE) * pixelsPerModule;
        BitMatrix pixels = new BitMatrix(size);
        for (int y = 0; y < modules.getHeight(); y++) {
            for (int x = 0; x < modules.getWidth(); x++) {
                if (modules.get(x, y)) {
                    pixels.setRegion((x + QUIET_ZONE) * pixelsPerModule, (y + QUIET_ZONE) * pixelsPerModule,
                            pixelsPerModule, pixelsPerModule);
                }
            }
        }
        return pixels;
    }

    private static IllegalArgumentException tooLong(String content, WriterException cause) {
        return new IllegalArgumentException("content does not fit in a QR code: " + content.length()
                + " characters, but error correction level M holds at most " + MAX_BYTES + " bytes", cause);
    }

    private static boolean isDark(BitMatrix modules, int x, int y) {
        return x >= 0 && y >= 0 && x < modules.getWidth() && y < modules.getHeight() && modules.get(x, y);
    }

    private static byte[] encodePng(BufferedImage image) {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
        if (!writers.hasNext()) {
            throw new IllegalStateException("this Java runtime has no PNG writer (javax.imageio)");
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        // Not ImageIO.write: with an OutputStream it buffers through a temporary file (ImageIO.getUseCache() is true
        // by default), which would put the secret on disk.
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(png)) {
            writer.setOutput(out);
            writer.write(image);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the PNG image in memory", e);
        } finally {
            writer.dispose();
        }
        return png.toByteArray();
    }
}
