package io.otpgate.server.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.otpgate.spring.trust.BrowserDescription;
import io.otpgate.spring.trust.TrustedBrowserProperties;

/** The short description of a trusted browser, and the settings' rules. */
class BrowserDescriptionTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0                                     | Firefox on Linux
            Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36 Edg/141.0.0.0 | Edge on Windows
            Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15 | Safari on macOS
            Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Mobile Safari/537.36 | Chrome on Android
            Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/141.0 Mobile/15E148 Safari/604.1 | Chrome on iOS
            curl/8.14.1                                                                                                 | curl
            Mozilla/5.0 (X11; Linux x86_64) SomethingNew/1.0                                                            | Browser on Linux
            '<script>alert(1)</script>'                                                                                 | Unknown browser
            ''                                                                                                          | Unknown browser
            """)
    void descriptionWhenUserAgentThenBrowserAndSystemOnly(String userAgent, String description) {
        assertThat(BrowserDescription.of(userAgent)).isEqualTo(description);
    }

    @Test
    void descriptionWhenNullOrHugeThenShortAndNeverTheHeader() {
        assertThat(BrowserDescription.of(null)).isEqualTo("Unknown browser");
        String huge = "x".repeat(1_000_000) + " Firefox/1";
        assertThat(BrowserDescription.of(huge)).isEqualTo("Unknown browser");
        assertThat(BrowserDescription.of("Firefox/1 " + "y".repeat(10_000))).hasSizeLessThanOrEqualTo(
                BrowserDescription.MAX_LENGTH).isEqualTo("Firefox");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            PT720H  | 30 days
            P1D     | 1 day
            PT12H   | 12 hours
            PT90M   | 90 minutes
            PT1M    | 1 minute
            """)
    void durationTextWhenDurationThenAsPeopleSayIt(Duration duration, String text) {
        assertThat(new TrustedBrowserProperties(true, duration).durationText()).isEqualTo(text);
    }

    @Test
    void durationWhenZeroOrNegativeThenRefusedNamingTheProperty() {
        assertThatThrownBy(() -> new TrustedBrowserProperties(true, Duration.ZERO))
                .hasMessage("otpgate.trusted-browser.duration must be positive, got PT0S");
        assertThatThrownBy(() -> new TrustedBrowserProperties(true, Duration.ofDays(-1)))
                .hasMessage("otpgate.trusted-browser.duration must be positive, got PT-24H");
    }
}
