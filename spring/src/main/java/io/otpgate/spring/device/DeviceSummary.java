package io.otpgate.spring.device;

import java.time.Instant;

/**
 * A device as listed to operators and users: never its secret.
 *
 * @param description the settings in words, such as {@code SHA1, 6 digits, 30 s} or {@code 3 codes left}
 * @param failures consecutive failed attempts
 * @param throttledUntil when the next attempt will be checked, or null if now
 */
public record DeviceSummary(DeviceRef ref, String name, boolean confirmed, String description, Instant createdAt,
        Instant lastUsedAt, int failures, Instant throttledUntil) {
}
