package io.otpgate.spring.notify;

import java.time.Instant;

/**
 * Something the user should hear of, published as a Spring application event once the change that caused it has
 * committed (a rolled-back change publishes nothing). An application listens with
 * {@code @EventListener void on(SecurityNotification n)} and sends it its own way (SMS, chat, a SIEM); with
 * {@code spring.mail.host} set and a {@link NotificationRecipients} bean, otpgate also sends it by e-mail. Never holds
 * a secret, a code or a password.
 *
 * @param kind what happened
 * @param userKey the user's key (by default the login name)
 * @param occurredAt when it happened
 * @param clientAddress the client's address, or null (a command or an operator's tool)
 * @param device the device's persistent id such as {@code totp/42}, or null
 * @param count for {@link Kind#RECOVERY_CODE_USED} the recovery codes left, for {@link Kind#WRONG_CODES} how many
 *     wrong codes were tried; 0 for the other kinds
 */
public record SecurityNotification(Kind kind, String userKey, Instant occurredAt, String clientAddress,
        String device, int count) {

    public SecurityNotification {
        if (kind == null || userKey == null || occurredAt == null) {
            throw new IllegalArgumentException("kind, userKey and occurredAt cannot be null");
        }
        if (count < 0) {
            throw new IllegalArgumentException("count must be 0 or more, got " + count);
        }
    }

    /** What the user is told of. */
    public enum Kind {
        /** A second factor (an authenticator app or key) was confirmed: two-factor authentication is on. */
        SECOND_FACTOR_ADDED,
        /** Two-factor authentication was turned off or reset: the last confirmed device is gone. */
        SECOND_FACTOR_OFF,
        /** A recovery code was used; {@code count} codes are left. */
        RECOVERY_CODE_USED,
        /** {@code count} wrong codes were tried after the right password, before this successful login. */
        WRONG_CODES,
        /** A passkey was added (published once passkeys exist). */
        PASSKEY_ADDED,
        /** A browser was remembered as trusted (published once trusted browsers exist). */
        TRUSTED_BROWSER_ADDED
    }
}
