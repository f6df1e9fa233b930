package io.otpgate.spring.notify;

import java.util.Optional;

/**
 * Where a user's notifications go by e-mail: an application provides a bean of this type (otpgate knows no e-mail
 * addresses). Without one, no e-mail is sent; the {@link SecurityNotification} events are still published. Called
 * off the request thread, once per notification.
 */
@FunctionalInterface
public interface NotificationRecipients {

    /** The user's e-mail address, or empty to send nothing to this user. */
    Optional<String> emailOf(String userKey);
}
