package io.otpgate.qr;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import com.google.zxing.WriterException;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import com.google.zxing.qrcode.encoder.Encoder;

import io.otpgate.core.HmacAlgorithm;
import io.otpgate.core.OtpAuthUri;

class QrCodesTerminalTest {

    private static final String ESCAPE = "\u001B[";
    private static final String ANSI_CODE = "\u001B\\[[0-9;]*m";
    private static final char UPPER = '\u2580';
    private static final char LOWER = '\u2584';
    private static final char FULL = '\u2588';

    private static final OtpAuthUri URI = OtpAuthUri.totp(SampleUris.secret(HmacAlgorithm.SHA512, 101))
            .issuer("Acme & Co").account("jürgen@example.de").digits(8).build();

    @ParameterizedTest
    @EnumSource(TerminalStyle.class)
    void terminalWhenParsedAndDecodedWithZxingThenExactUri(TerminalStyle style) {
        String text = QrCodes.terminal(URI.toUriString(), style);

        String decoded = QrDecoding.decode(QrDecoding.render(darkModules(text, style), 4)).getText();

        assertThat(decoded).isEqualTo(URI.toUriString());
        assertThat(OtpAuthUri.parse(decoded)).isEqualTo(URI);
    }

    @ParameterizedTest
    @MethodSource("io.otpgate.qr.SampleUris#all")
    void terminalOfUriWhenParsedAndDecodedThenExactUri(OtpAuthUri uri) {
        String text = QrCodes.terminal(uri);

        String decoded = QrDecoding.decode(QrDecoding.render(darkModules(text, TerminalStyle.ANSI), 3)).getText();

        assertThat(decoded).isEqualTo(uri.toUriString());
    }

    @Test
    void terminalOfUriThenAnsiStyle() {
        assertThat(QrCodes.terminal(URI)).isEqualTo(QrCodes.terminal(URI.toUriString(), TerminalStyle.ANSI));
    }

    @Test
    void terminalAnsiThenEveryLineSetsBlackOnWhiteAndResets() {
        List<String> lines = QrCodes.terminal(URI.toUriString(), TerminalStyle.ANSI).lines().toList();

        assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(line)
                .startsWith("\u001B[30;47m").endsWith("\u001B[0m")
                .matches("\u001B\\[30;47m[ \u2580\u2584\u2588]+\u001B\\[0m"));
    }

    @Test
    void terminalAnsiWithoutEscapesThenSameAsDarkOnLight() {
        String ansi = QrCodes.terminal(URI.toUriString(), TerminalStyle.ANSI);

        assertThat(ansi.replaceAll(ANSI_CODE, ""))
                .isEqualTo(QrCodes.terminal(URI.toUriString(), TerminalStyle.DARK_ON_LIGHT));
    }

    @ParameterizedTest
    @EnumSource(value = TerminalStyle.class, names = {"DARK_ON_LIGHT", "LIGHT_ON_DARK"})
    void terminalPlainStyleThenNoEscapeCodes(TerminalStyle style) {
        String text = QrCodes.terminal(URI.toUriString(), style);

        assertThat(text).doesNotContain("\u001B").doesNotContain(ESCAPE);
    }

    @ParameterizedTest
    @EnumSource(TerminalStyle.class)
    void terminalThenOnlyBlockCharactersSpacesAndNewlines(TerminalStyle style) {
        String plain = QrCodes.terminal(URI.toUriString(), style).replaceAll(ANSI_CODE, "");

        assertThat(plain).matches("[ \u2580\u2584\u2588\n]+").doesNotEndWith("\n").doesNotStartWith("\n");
    }

    @ParameterizedTest
    @EnumSource(TerminalStyle.class)
    void terminalThenEveryLineHasTheSymbolWidthPlusQuietZones(TerminalStyle style) throws WriterException {
        String content = URI.toUriString();
        int symbolModules = Encoder.encode(content, ErrorCorrectionLevel.M).getVersion().getDimensionForVersion();

        List<String> lines = QrCodes.terminal(content, style).replaceAll(ANSI_CODE, "").lines().toList();

        assertThat(lines).hasSize((symbolModules + 8 + 1) / 2)
                .allSatisfy(line -> assertThat(line.codePointCount(0, line.length())).isEqualTo(symbolModules + 8));
    }

    @ParameterizedTest
    @EnumSource(TerminalStyle.class)
    void terminalThenQuietZoneOfAtLeastFourLightModulesOnEverySide(TerminalStyle style) {
        boolean[][] dark = darkModules(QrCodes.terminal(URI.toUriString(), style), style);
        int height = dark.length;
        int width = dark[0].length;

        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (x < 4 || y < 4 || x >= width - 4 || y >= height - 4) {
                    assertThat(dark[y][x]).as("module (%d, %d) in the quiet zone is dark", x, y).isFalse();
                }
            }
        }
        assertThat(dark[4][4]).as("the finder pattern's corner is dark").isTrue();
        assertThat(dark[4][width - 5]).as("the top-right finder pattern's corner is dark").isTrue();
    }

    @Test
    void terminalLightOnDarkThenDarkOnLightWithBlocksAndSpacesSwapped() {
        String dark = QrCodes.terminal(URI.toUriString(), TerminalStyle.DARK_ON_LIGHT);
        String light = QrCodes.terminal(URI.toUriString(), TerminalStyle.LIGHT_ON_DARK);

        StringBuilder swapped = new StringBuilder();
        for (char c : dark.toCharArray()) {
            swapped.append(switch (c) {
                case UPPER -> LOWER;
                case LOWER -> UPPER;
                case FULL -> ' ';
                case ' ' -> FULL;
                default -> c;
            });
        }
        assertThat(light).isEqualTo(swapped.toString());
    }

    @Test
    void terminalModulesThenSameAsPngModules() {
        String content = URI.toUriString();
        boolean[][] fromText = darkModules(QrCodes.terminal(content, TerminalStyle.DARK_ON_LIGHT),
                TerminalStyle.DARK_ON_LIGHT);
        BufferedImage png = QrDecoding.readPng(QrCodes.png(content, 1));

        assertThat(fromText[0].length).isEqualTo(png.getWidth());
        for (int y = 0; y < png.getHeight(); y++) {
            for (int x = 0; x < png.getWidth(); x++) {
                boolean pngDark = (png.getRGB(x, y) & 0xFFFFFF) == 0;
                assertThat(fromText[y][x]).as("module (%d, %d)", x, y).isEqualTo(pngDark);
            }
        }
    }

    /** The module matrix that the text shows, {@code true} = dark, read back as a person would see it. */
    private static boolean[][] darkModules(String text, TerminalStyle style) {
        List<String> lines = text.replaceAll(ANSI_CODE, "").lines().toList();
        int width = lines.get(0).length();
        boolean[][] dark = new boolean[2 * lines.size()][width];
        boolean blockIsDark = style != TerminalStyle.LIGHT_ON_DARK;
        for (int line = 0; line < lines.size(); line++) {
            String characters = lines.get(line);
            assertThat(characters).as("line %d", line).hasSize(width);
            for (int x = 0; x < width; x++) {
                char c = characters.charAt(x);
                assertThat(c).as("character at line %d, column %d", line, x).isIn(' ', UPPER, LOWER, FULL);
                boolean top = c == UPPER || c == FULL;
                boolean bottom = c == LOWER || c == FULL;
                dark[2 * line][x] = top == blockIsDark;
                dark[2 * line + 1][x] = bottom == blockIsDark;
            }
        }
        return dark;
    }
}
