package io.otpgate.spring.trust;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * "Don't ask again on this browser" ({@code otpgate.trusted-browser.*}).
 *
 * @param enabled whether the pages and the API offer it and honour its cookie (default true; the otpgate server's
 *     admin panel never does, whatever this says: staff always type a code)
 * @param duration how long a browser stays trusted after the code that trusted it (default 30 days); positive
 */
@ConfigurationProperties("otpgate.trusted-browser")
public record TrustedBrowserProperties(@DefaultValue("true") boolean enabled, @DefaultValue("30d") Duration duration) {

    public TrustedBrowserProperties {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("otpgate.trusted-browser.duration must be positive, got " + duration);
        }
    }

    /** The duration as people say it: "30 days", "12 hours", "90 minutes". */
    public String durationText() {
        if (duration.toDays() > 0 && duration.equals(Duration.ofDays(duration.toDays()))) {
            return plural(duration.toDays(), "day");
        }
        if (duration.toHours() > 0 && duration.equals(Duration.ofHours(duration.toHours()))) {
            return plural(duration.toHours(), "hour");
        }
        return plural(Math.max(1, duration.toMinutes()), "minute");
    }

    private static String plural(long count, String unit) {
        return count + " " + unit + (count == 1 ? "" : "s");
    }
}
