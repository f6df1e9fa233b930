package io.otpgate.spring.audit;

import java.time.Instant;

/**
 * One entry of the security log. Never holds a secret, a code or a password.
 *
 * @param userId the user, or null if unknown or since deleted
 * @param username the username at the time, or null
 * @param device the device's persistent id such as {@code totp/42}, or null
 * @param clientAddress the client's address, or null for a command
 * @param detail a short outcome in words, or null
 */
public record SecurityEvent(long id, Instant occurredAt, SecurityEventKind kind, Long userId, String username,
        String device, String clientAddress, String detail) {
}
