package io.otpgate.qr;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import javax.imageio.ImageIO;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.NotFoundException;
import com.google.zxing.ReaderException;
import com.google.zxing.Result;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;

/** Reading images back with ZXing. */
final class QrDecoding {

    private QrDecoding() {
    }

    static BufferedImage readPng(byte[] png) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
            assertThat(image).as("PNG decoded by ImageIO").isNotNull();
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads an image that holds nothing but one code and its light border, as the PNGs and rendered terminal text
     * do, without ZXing's finder-pattern detector, which never finds a code of one pixel per module. {@link #scan}
     * and zbarimg are the scanner-style checks.
     */
    static Result decode(BufferedImage image) {
        return decode(image, DecodeHintType.PURE_BARCODE);
    }

    static String decodePng(byte[] png) {
        return decode(readPng(png)).getText();
    }

    /** Reads the image the way a camera scanner does, by finding the finder patterns. */
    static Result scan(BufferedImage image) {
        return decode(image, DecodeHintType.TRY_HARDER);
    }

    private static Result decode(BufferedImage image, DecodeHintType hint) {
        BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(new BufferedImageLuminanceSource(image)));
        try {
            return new QRCodeReader().decode(bitmap, Map.of(hint, Boolean.TRUE));
        } catch (NotFoundException e) {
            throw new AssertionError("ZXing found no QR code in the image", e);
        } catch (ReaderException e) {
            throw new AssertionError("ZXing could not read the QR code", e);
        }
    }

    /** An image of a module matrix ({@code true} = dark), {@code scale} pixels per module, nothing added around. */
    static BufferedImage render(boolean[][] dark, int scale) {
        int height = dark.length;
        int width = dark[0].length;
        BufferedImage image = new BufferedImage(width * scale, height * scale, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height * scale; y++) {
            for (int x = 0; x < width * scale; x++) {
                image.setRGB(x, y, dark[y / scale][x / scale] ? 0x000000 : 0xFFFFFF);
            }
        }
        return image;
    }
}
