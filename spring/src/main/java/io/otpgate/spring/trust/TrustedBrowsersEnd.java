package io.otpgate.spring.trust;

import java.time.Instant;

import org.springframework.stereotype.Component;

import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEventListener;

/**
 * Deletes a user's trusted browsers when their sessions are ended ({@code SESSIONS_ENDED}: a password change, a
 * second-factor reset, the removal of the last device, a deactivation, "log out everywhere", new recovery codes), in
 * the same transaction. The session version already makes those rows worthless; deleting them keeps the table and
 * the user's list honest.
 */
@Component
class TrustedBrowsersEnd implements SecurityEventListener {

    private final TrustedBrowsers browsers;

    TrustedBrowsersEnd(TrustedBrowsers browsers) {
        this.browsers = browsers;
    }

    @Override
    public void recorded(SecurityEventKind kind, long accountId, String device, String clientAddress, String detail,
            Instant occurredAt) {
        if (kind == SecurityEventKind.SESSIONS_ENDED) {
            browsers.forget(accountId);
        }
    }
}
