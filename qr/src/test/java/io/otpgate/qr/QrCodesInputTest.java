package io.otpgate.qr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.otpgate.core.HmacAlgorithm;
import io.otpgate.core.OtpAuthUri;

class QrCodesInputTest {

    private static final OtpAuthUri URI = OtpAuthUri.totp(SampleUris.secret(HmacAlgorithm.SHA1, 100))
            .issuer("otpgate").account("alice@example.com").build();

    /** Both ways to render text, so that every input rule is checked for PNG and terminal alike. */
    private static final List<Function<String, ?>> RENDERERS = List.of(
            content -> QrCodes.png(content, 8),
            content -> QrCodes.terminal(content, TerminalStyle.ANSI),
            content -> QrCodes.terminal(content, TerminalStyle.LIGHT_ON_DARK));

    @Test
    void renderWhenContentNullThenIllegalArgumentNamingContent() {
        for (Function<String, ?> renderer : RENDERERS) {
            assertThat(catchThrowable(() -> renderer.apply(null)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("content must not be null");
        }
    }

    @Test
    void renderWhenContentEmptyThenIllegalArgumentNamingContent() {
        for (Function<String, ?> renderer : RENDERERS) {
            assertThat(catchThrowable(() -> renderer.apply("")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("content must not be empty");
        }
    }

    @Test
    void renderWhenUriNullThenIllegalArgumentNamingUri() {
        assertThat(catchThrowable(() -> QrCodes.png(null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("uri must not be null");
        assertThat(catchThrowable(() -> QrCodes.terminal((OtpAuthUri) null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("uri must not be null");
    }

    @Test
    void terminalWhenStyleNullThenIllegalArgumentNamingStyle() {
        assertThat(catchThrowable(() -> QrCodes.terminal(URI.toUriString(), null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("style must not be null");
    }

    @ParameterizedTest
    @ValueSource(ints = {2332, 3000, 5000, 5597, 100_000})
    void renderWhenContentTooLongThenIllegalArgumentWithoutContent(int length) {
        String secret = URI.secret().exposeBase32();
        StringBuilder content = new StringBuilder(URI.toUriString()).append("&padding=");
        while (content.length() < length) {
            content.append(secret, 0, Math.min(secret.length(), length - content.length()));
        }

        for (Function<String, ?> renderer : RENDERERS) {
            Throwable thrown = catchThrowable(() -> renderer.apply(content.toString()));

            assertThat(thrown).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("does not fit in a QR code")
                    .hasMessageContaining(String.valueOf(length));
            assertNoMessageQuotes(thrown, content.toString(), secret);
        }
    }

    @Test
    void renderWhenUriLabelsAreLongestNonAsciiThenIllegalArgumentWithoutSecret() {
        // The builder's length limits count characters; percent-encoded UTF-8 makes these 9 URI characters each,
        // more than the 2331 bytes that a QR code at level M can hold.
        OtpAuthUri uri = OtpAuthUri.totp(SampleUris.secret(HmacAlgorithm.SHA512, 101))
                .issuer("日".repeat(OtpAuthUri.MAX_ISSUER_LENGTH))
                .account("本".repeat(OtpAuthUri.MAX_ACCOUNT_LENGTH)).build();

        Throwable fromPng = catchThrowable(() -> QrCodes.png(uri));
        Throwable fromTerminal = catchThrowable(() -> QrCodes.terminal(uri));

        for (Throwable thrown : List.of(fromPng, fromTerminal)) {
            assertThat(thrown).isInstanceOf(IllegalArgumentException.class);
            assertNoMessageQuotes(thrown, uri.toUriString(), uri.secret().exposeBase32());
        }
    }

    @Test
    void renderWhenContentHasUnpairedSurrogateThenIllegalArgumentWithoutContent() {
        String content = "secret-\uD83D-text";

        for (Function<String, ?> renderer : RENDERERS) {
            Throwable thrown = catchThrowable(() -> renderer.apply(content));

            assertThat(thrown).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("surrogate");
            assertNoMessageQuotes(thrown, content, "secret-");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, 33, 64, Integer.MAX_VALUE})
    void pngWhenPixelsPerModuleOutOfRangeThenIllegalArgumentNamingIt(int pixelsPerModule) {
        assertThat(catchThrowable(() -> QrCodes.png(URI.toUriString(), pixelsPerModule)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pixelsPerModule must be 1..32, got " + pixelsPerModule);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 32})
    void pngWhenPixelsPerModuleAtBoundThenImage(int pixelsPerModule) {
        assertThat(QrCodes.png(URI.toUriString(), pixelsPerModule)).isNotEmpty();
    }

    /** Neither the exception nor any cause in its chain may show the content or the secret in it. */
    private static void assertNoMessageQuotes(Throwable thrown, String content, String secret) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            messages.add(String.valueOf(t.getMessage()));
            messages.add(t.toString());
        }
        assertThat(messages).allSatisfy(message -> assertThat(message)
                .doesNotContain(content).doesNotContain(secret).doesNotContain("otpauth"));
    }
}
