package io.otpgate.qr;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.google.zxing.Result;
import com.google.zxing.ResultMetadataType;
import com.google.zxing.WriterException;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import com.google.zxing.qrcode.encoder.Encoder;

import io.otpgate.core.HmacAlgorithm;
import io.otpgate.core.OtpAuthUri;

class QrCodesPngTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final int BLACK = 0xFF000000;
    private static final int WHITE = 0xFFFFFFFF;

    private static final OtpAuthUri URI = OtpAuthUri.totp(SampleUris.secret(HmacAlgorithm.SHA1, 100))
            .issuer("otpgate").account("alice@example.com").build();

    @ParameterizedTest
    @MethodSource("io.otpgate.qr.SampleUris#all")
    void pngWhenDecodedWithZxingThenExactUri(OtpAuthUri uri) {
        String decoded = QrDecoding.decodePng(QrCodes.png(uri));

        assertThat(decoded).isEqualTo(uri.toUriString());
        assertThat(OtpAuthUri.parse(decoded)).isEqualTo(uri);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 32})
    void pngWithAnyPixelsPerModuleWhenDecodedThenExactUri(int pixelsPerModule) {
        String text = URI.toUriString();

        assertThat(QrDecoding.decodePng(QrCodes.png(text, pixelsPerModule))).isEqualTo(text);
    }

    @Test
    void pngWhenScannedWithZxingFinderPatternDetectorThenExactUri() {
        Result result = QrDecoding.scan(QrDecoding.readPng(QrCodes.png(URI)));

        assertThat(result.getText()).isEqualTo(URI.toUriString());
    }

    /**
     * With ZXing's preferred mask about 2% of symbols of random secrets hide from its finder-pattern detector; QrCodes
     * then picks another mask. 400 fresh secrets would meet about 8 such symbols (5 in a run without the fallback).
     */
    @Test
    void pngWhenManyFreshSecretsThenZxingFinderPatternDetectorReadsEvery() {
        java.security.SecureRandom random = new java.security.SecureRandom();
        List<Integer> missed = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            HmacAlgorithm algorithm = HmacAlgorithm.values()[i % 3];
            OtpAuthUri uri = OtpAuthUri.totp(io.otpgate.core.OtpSecret.generate(algorithm, random))
                    .issuer("otpgate").account("user" + i + "@example.com").algorithm(algorithm).build();
            try {
                if (!QrDecoding.scan(QrDecoding.readPng(QrCodes.png(uri))).getText().equals(uri.toUriString())) {
                    missed.add(i);
                }
            } catch (AssertionError notFound) {
                missed.add(i);
            }
        }
        assertThat(missed).as("symbols ZXing's detector could not read").isEmpty();
    }

    @Test
    void pngWhenDecodedThenErrorCorrectionLevelM() {
        Result result = QrDecoding.decode(QrDecoding.readPng(QrCodes.png(URI)));

        assertThat(result.getResultMetadata()).containsEntry(ResultMetadataType.ERROR_CORRECTION_LEVEL, "M");
    }

    @Test
    void pngOfNonAsciiTextWhenDecodedThenSameText() {
        String text = "Grüße, 日本, \uD83D\uDE00 and ÿ";

        assertThat(QrDecoding.decodePng(QrCodes.png(text, 4))).isEqualTo(text);
    }

    @Test
    void pngWhenWrittenThenStartsWithPngSignature() {
        byte[] png = QrCodes.png(URI);

        assertThat(Arrays.copyOf(png, PNG_SIGNATURE.length)).isEqualTo(PNG_SIGNATURE);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 8, 32})
    void pngWhenMeasuredThenWidthIsModulesWithQuietZoneTimesPixelsPerModule(int pixelsPerModule)
            throws WriterException {
        String text = URI.toUriString();
        int symbolModules = Encoder.encode(text, ErrorCorrectionLevel.M).getVersion().getDimensionForVersion();

        BufferedImage image = QrDecoding.readPng(QrCodes.png(text, pixelsPerModule));

        assertThat(image.getWidth()).isEqualTo((symbolModules + 8) * pixelsPerModule);
        assertThat(image.getHeight()).isEqualTo(image.getWidth());
    }

    @Test
    void pngWithMorePixelsPerModuleThenProportionallyLargerImage() {
        String text = URI.toUriString();

        BufferedImage small = QrDecoding.readPng(QrCodes.png(text, 2));
        BufferedImage large = QrDecoding.readPng(QrCodes.png(text, 10));

        assertThat(large.getWidth()).isEqualTo(5 * small.getWidth());
        assertThat(large.getHeight()).isEqualTo(5 * small.getHeight());
    }

    @Test
    void pngFromUriThenEightPixelsPerModule() {
        assertThat(QrCodes.png(URI)).isEqualTo(QrCodes.png(URI.toUriString(), 8));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 8})
    void pngWhenInspectedThenCrispBlackModulesOnWhiteWithQuietZoneOfFourModules(int pixelsPerModule) {
        BufferedImage image = QrDecoding.readPng(QrCodes.png(URI.toUriString(), pixelsPerModule));
        int size = image.getWidth();
        int quiet = 4 * pixelsPerModule;

        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int pixel = image.getRGB(x, y);
                assertThat(pixel).as("pixel (%d, %d) is pure black or white", x, y).isIn(BLACK, WHITE);
                int moduleX = x - x % pixelsPerModule;
                int moduleY = y - y % pixelsPerModule;
                assertThat(pixel).as("pixel (%d, %d) has the colour of its module", x, y)
                        .isEqualTo(image.getRGB(moduleX, moduleY));
                boolean inQuietZone = x < quiet || y < quiet || x >= size - quiet || y >= size - quiet;
                if (inQuietZone) {
                    assertThat(pixel).as("quiet zone pixel (%d, %d)", x, y).isEqualTo(WHITE);
                }
            }
        }
        // The finder pattern's outer ring: 7 dark modules from the symbol's top-left and top-right corners.
        for (int module = 0; module < 7; module++) {
            assertThat(image.getRGB(quiet + module * pixelsPerModule, quiet)).isEqualTo(BLACK);
            assertThat(image.getRGB(size - quiet - 1 - module * pixelsPerModule, quiet)).isEqualTo(BLACK);
        }
        assertThat(image.getRGB(quiet + 7 * pixelsPerModule, quiet)).as("separator after the finder").isEqualTo(WHITE);
    }

    @Test
    void pngWhenContentFillsVersion40AtLevelMThenEncodesAndOneByteMoreIsRefused() {
        String full = "a".repeat(2331);

        assertThat(QrDecoding.decodePng(QrCodes.png(full, 2))).isEqualTo(full);
        assertThat(catchThrowable(() -> QrCodes.png(full + "a", 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not fit");
    }

    @Test
    void pngWhenWrittenThenNoImageIoCacheFileOnDisk(@TempDir Path cacheDirectory) throws IOException,
            InterruptedException {
        File previousDirectory = ImageIO.getCacheDirectory();
        boolean previousUseCache = ImageIO.getUseCache();
        try (WatchService watcher = FileSystems.getDefault().newWatchService()) {
            ImageIO.setUseCache(true);
            ImageIO.setCacheDirectory(cacheDirectory.toFile());
            cacheDirectory.register(watcher, ENTRY_CREATE);

            QrCodes.png(URI);
            // A cache file is deleted when its stream closes, so look for its creation, not for the file. Events
            // arrive in order: once the marker's is seen, any earlier file would have been seen too.
            Files.createFile(cacheDirectory.resolve("marker"));

            List<String> created = new ArrayList<>();
            while (!created.contains("marker")) {
                WatchKey signalled = watcher.poll(10, TimeUnit.SECONDS);
                assertThat(signalled).as("watch event for the marker file").isNotNull();
                signalled.pollEvents().forEach(event -> created.add(String.valueOf(event.context())));
                signalled.reset();
            }
            assertThat(created).as("files created in ImageIO's cache directory").containsExactly("marker");
        } finally {
            ImageIO.setCacheDirectory(previousDirectory);
            ImageIO.setUseCache(previousUseCache);
        }
    }
}
