package io.otpgate.spring.notify;

import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.event.EventListener;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.stereotype.Component;

/**
 * Sends each {@link SecurityNotification} by plain-text e-mail to the address the application's
 * {@link NotificationRecipients} gives, when {@code spring.mail.host} is set. Off the caller's thread: one sender
 * thread and a bounded queue, so a slow or absent SMTP server never slows or breaks a login (a full queue drops the
 * notification). A failing SMTP server is logged once, not once per message, until a message goes through again;
 * a message's text is never logged.
 */
@Component
@ConditionalOnProperty(name = "spring.mail.host")
@ConditionalOnClass(name = "org.springframework.mail.javamail.JavaMailSender")
class MailNotifications implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(MailNotifications.class);
    static final int QUEUE = 100;

    private final ObjectProvider<JavaMailSender> mail;
    private final ObjectProvider<NotificationRecipients> recipients;
    private final MailTexts texts;
    private final NotificationProperties properties;
    private final ThreadPoolExecutor executor;
    private final AtomicBoolean failing = new AtomicBoolean();

    MailNotifications(ObjectProvider<JavaMailSender> mail, ObjectProvider<NotificationRecipients> recipients,
            NotificationProperties properties) {
        this.mail = mail;
        this.recipients = recipients;
        this.texts = new MailTexts(properties.subjectPrefix());
        this.properties = properties;
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), task -> {
            Thread thread = new Thread(task, "otpgate-mail");
            thread.setDaemon(true);
            return thread;
        }, new ThreadPoolExecutor.AbortPolicy());
    }

    @EventListener
    void on(SecurityNotification notification) {
        if (mail.getIfAvailable() == null || recipients.getIfAvailable() == null) {
            return;
        }
        try {
            executor.execute(() -> send(notification));
        } catch (RejectedExecutionException e) {
            failed("the queue of " + QUEUE + " notification e-mails is full (or shutting down)");
        }
    }

    private void send(SecurityNotification notification) {
        try {
            Optional<String> to = recipients.getObject().emailOf(notification.userKey());
            if (to.isEmpty() || to.get().isBlank()) {
                return;
            }
            SimpleMailMessage message = new SimpleMailMessage();
            if (properties.from() != null) {
                message.setFrom(properties.from());
            }
            message.setTo(to.get());
            message.setSubject(texts.subject(notification));
            message.setText(texts.body(notification));
            mail.getObject().send(message);
            if (failing.compareAndSet(true, false)) {
                log.info("notification e-mails are sent again");
            }
        } catch (RuntimeException e) {
            Throwable cause = NestedExceptionUtils.getMostSpecificCause(e);
            failed(cause.getClass().getName() + ": " + cause.getMessage());
        }
    }

    /** Logs the first failure after a success (or after start-up), and nothing more until a message goes through. */
    private void failed(String why) {
        if (failing.compareAndSet(false, true)) {
            String line = why.replaceAll("\\s+", " ");
            log.error("notification e-mails cannot be sent, logged once until one is sent again: {}",
                    line.length() > 300 ? line.substring(0, 300) : line);
        }
    }

    @Override
    public void destroy() throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }
}
