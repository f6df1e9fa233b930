package io.otpgate.qr;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.otpgate.core.ExternalTool;
import io.otpgate.core.HmacAlgorithm;
import io.otpgate.core.OtpAuthUri;

/** The PNGs read by a second, independent decoder: zbarimg (package zbar-tools). */
class QrCodesZbarimgTest {

    @TempDir
    Path directory;

    @ParameterizedTest
    @MethodSource("io.otpgate.qr.SampleUris#all")
    void pngWhenDecodedWithZbarimgThenExactUri(OtpAuthUri uri) throws IOException {
        ExternalTool zbarimg = ExternalTool.require("zbarimg");

        String decoded = zbarimg.run("-q", "--raw", write(QrCodes.png(uri)));

        assertThat(decoded).isEqualTo(uri.toUriString());
        assertThat(OtpAuthUri.parse(decoded)).isEqualTo(uri);
    }

    // Not 1: zbarimg misses about a third of codes drawn with one pixel per module.
    @ParameterizedTest
    @ValueSource(ints = {2, 3, 32})
    void pngWithAnyPixelsPerModuleWhenDecodedWithZbarimgThenExactUri(int pixelsPerModule) throws IOException {
        ExternalTool zbarimg = ExternalTool.require("zbarimg");
        String text = OtpAuthUri.totp(SampleUris.secret(HmacAlgorithm.SHA256, 102)).issuer("otpgate")
                .account("alice@example.com").build().toUriString();

        assertThat(zbarimg.run("-q", "--raw", write(QrCodes.png(text, pixelsPerModule)))).isEqualTo(text);
    }

    @Test
    void pngOfNonAsciiTextWhenDecodedWithZbarimgThenSameText() throws IOException {
        ExternalTool zbarimg = ExternalTool.require("zbarimg");
        String text = "Grüße, 日本, \uD83D\uDE00 and ÿ";

        assertThat(zbarimg.run("-q", "--raw", write(QrCodes.png(text, 4)))).isEqualTo(text);
    }

    private String write(byte[] png) throws IOException {
        return Files.write(Files.createTempFile(directory, "qr", ".png"), png).toString();
    }
}
