package io.otpgate.server.notify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.mail.javamail.JavaMailSender;

import io.otpgate.server.api.ApiTestBase;
import io.otpgate.spring.notify.SecurityNotification.Kind;

/** Without {@code spring.mail.host}: no mail sender and no e-mail notifier, but the events are still published. */
@Import(RecordedNotifications.Config.class)
class NotificationsWithoutMailTest extends ApiTestBase {

    @Autowired RecordedNotifications notifications;
    @Autowired ApplicationContext context;

    @Test
    void enrolWhenNoMailHostThenEventButNoMailer() throws Exception {
        enrol();

        assertThat(notifications.of(user.username())).singleElement()
                .satisfies(n -> assertThat(n.kind()).isEqualTo(Kind.SECOND_FACTOR_ADDED));
        assertThat(context.getBeanNamesForType(JavaMailSender.class)).isEmpty();
        assertThat(context.getBeanNamesForType(
                org.springframework.util.ClassUtils.resolveClassName("io.otpgate.spring.notify.MailNotifications",
                        getClass().getClassLoader()))).isEmpty();
    }
}
