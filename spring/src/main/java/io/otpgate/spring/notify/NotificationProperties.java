package io.otpgate.spring.notify;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The notification e-mails ({@code otpgate.notifications.*}); they are sent only when {@code spring.mail.host} is
 * set.
 *
 * @param from the sender address of the e-mails, such as {@code otpgate@example.org}; when unset, JavaMail's
 *     {@code mail.from} (or the local user at the local host)
 * @param subjectPrefix put before each subject, such as {@code [Example]}; empty by default
 */
@ConfigurationProperties("otpgate.notifications")
public record NotificationProperties(String from, String subjectPrefix) {

    public NotificationProperties {
        from = from == null || from.isBlank() ? null : from.strip();
        subjectPrefix = subjectPrefix == null ? "" : subjectPrefix.strip();
    }
}
