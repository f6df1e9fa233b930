package io.otpgate.spring.audit;

import java.time.Instant;

/**
 * Told of each event of a known user as it is recorded, in the caller's transaction (so it may read what that
 * transaction wrote, and anything it defers to after the commit is dropped by a rollback). Beans of this type are
 * found by {@link SecurityEvents}; the notifications are one.
 */
public interface SecurityEventListener {

    /**
     * An event was written to the security log.
     *
     * @param accountId the user's account
     * @param device the device's persistent id such as {@code static/7}, or null
     * @param clientAddress the client's address, or null (a command)
     * @param detail the event's short outcome, or null; never a secret
     */
    void recorded(SecurityEventKind kind, long accountId, String device, String clientAddress, String detail,
            Instant occurredAt);
}
