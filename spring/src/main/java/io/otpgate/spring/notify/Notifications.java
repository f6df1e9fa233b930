package io.otpgate.spring.notify;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEventListener;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.notify.SecurityNotification.Kind;

/**
 * Turns what the security log records into {@link SecurityNotification}s, published as application events after the
 * transaction commits: a confirmed device (a second factor added), a passkey added, the removal of the last confirmed device or an
 * operator's reset (2FA off), a recovery code accepted (with the codes left), and wrong codes before a success
 * ({@link #wrongCodes}, called by the verification).
 */
@Component
public class Notifications implements SecurityEventListener {

    private static final Logger log = LoggerFactory.getLogger(Notifications.class);
    private static final String RECOVERY_DEVICE = "static/";
    private static final String PASSKEY_DEVICE = "webauthn/";

    private final ApplicationEventPublisher publisher;
    private final JdbcClient jdbc;
    private final ObjectProvider<RemainingRecoveryCodes> recoveryCodes;
    private final Clock clock;

    Notifications(ApplicationEventPublisher publisher, JdbcClient jdbc,
            ObjectProvider<RemainingRecoveryCodes> recoveryCodes, Clock clock) {
        this.publisher = publisher;
        this.jdbc = jdbc;
        this.recoveryCodes = recoveryCodes;
        this.clock = clock;
    }

    @Override
    public void recorded(SecurityEventKind kind, long accountId, String device, String clientAddress, String detail,
            Instant occurredAt) {
        switch (kind) {
            // A passkey is told of once, as added (its registration confirms it in the same transaction).
            case DEVICE_CONFIRMED -> {
                if (device == null || !device.startsWith(PASSKEY_DEVICE)) {
                    publish(Kind.SECOND_FACTOR_ADDED, accountId, occurredAt, clientAddress, device, 0);
                }
            }
            case DEVICE_ADDED -> {
                if (device != null && device.startsWith(PASSKEY_DEVICE)) {
                    publish(Kind.PASSKEY_ADDED, accountId, occurredAt, clientAddress, device, 0);
                }
            }
            case DEVICE_REMOVED -> {
                if (SecurityEvents.NO_CONFIRMED_DEVICE_LEFT.equals(detail)) {
                    publish(Kind.SECOND_FACTOR_OFF, accountId, occurredAt, clientAddress, device, 0);
                }
            }
            // An operator's reset (or the API's 2FA off) that found no device changed nothing.
            case SECOND_FACTOR_RESET -> {
                if (detail == null || !detail.startsWith("0 ")) {
                    publish(Kind.SECOND_FACTOR_OFF, accountId, occurredAt, clientAddress, null, 0);
                }
            }
            case OTP_VERIFIED -> {
                if (device != null && device.startsWith(RECOVERY_DEVICE)) {
                    RemainingRecoveryCodes codes = recoveryCodes.getIfAvailable();
                    publish(Kind.RECOVERY_CODE_USED, accountId, occurredAt, clientAddress, device,
                            codes == null ? 0 : codes.count(accountId));
                }
            }
            default -> {
            }
        }
    }

    /**
     * Tells the user that wrong codes were tried after the right password since their previous success: called with
     * that success, in its transaction (published once it commits).
     *
     * @param count how many wrong codes; nothing is published for 0 or fewer
     * @param clientAddress the address of the successful login, or null
     */
    public void wrongCodes(long accountId, int count, String clientAddress) {
        if (count > 0) {
            publish(Kind.WRONG_CODES, accountId, clock.instant(), clientAddress, null, count);
        }
    }

    private void publish(Kind kind, long accountId, Instant at, String clientAddress, String device, int count) {
        Optional<String> userKey = jdbc.sql("select user_key from otpgate_account where id = ?").param(accountId)
                .query(String.class).optional();
        if (userKey.isEmpty()) {
            return;
        }
        SecurityNotification notification = new SecurityNotification(kind, userKey.get(), at, clientAddress, device,
                count);
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    send(notification);
                }
            });
        } else {
            send(notification);
        }
    }

    /** Never lets a listener's failure reach the login that caused the notification (it has committed). */
    private void send(SecurityNotification notification) {
        try {
            publisher.publishEvent(notification);
        } catch (RuntimeException e) {
            log.warn("a listener of {} for account {} failed: {}", notification.kind(), notification.userKey(),
                    e.getClass().getName());
        }
    }
}
