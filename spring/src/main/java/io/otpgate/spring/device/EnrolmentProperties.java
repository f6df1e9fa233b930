package io.otpgate.spring.device;

import java.time.Duration;
import java.time.Instant;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How new devices are set up ({@code otpgate.enrolment.*}).
 *
 * @param pendingLifetime how long a setup waits for its first code: after that its device is never tried (and so
 *     never confirmed), and its recovery codes never become valid; the next setup removes both. Positive, at most
 *     a day
 */
@ConfigurationProperties("otpgate.enrolment")
public record EnrolmentProperties(@DefaultValue("10m") Duration pendingLifetime) {

    public EnrolmentProperties {
        if (pendingLifetime.isNegative() || pendingLifetime.isZero() || pendingLifetime.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("otpgate.enrolment.pending-lifetime must be positive and at most 1d, got "
                    + pendingLifetime);
        }
    }

    /** Whether a setup created at {@code createdAt} still waits for its first code at {@code now}. */
    public boolean pendingAlive(Instant createdAt, Instant now) {
        return createdAt != null && now.isBefore(createdAt.plus(pendingLifetime));
    }
}
