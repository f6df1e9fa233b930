package io.otpgate.server.user;

import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.otpgate.spring.notify.NotificationRecipients;

/**
 * Where the library's notification e-mails go: the user's {@code auth_user.email} (the account's user key is the
 * username); none for a user without one.
 */
@Component
class UserEmails implements NotificationRecipients {

    private final JdbcClient jdbc;

    UserEmails(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Optional<String> emailOf(String userKey) {
        return jdbc.sql("select email from auth_user where username = ?").param(userKey).query(String.class)
                .optional().filter(email -> !email.isBlank());
    }
}
