package io.otpgate.server.notify;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;

import io.otpgate.spring.notify.SecurityNotification;

/** Every {@link SecurityNotification} the application published, as an application's own listener sees them. */
public class RecordedNotifications {

    private final List<SecurityNotification> seen = new CopyOnWriteArrayList<>();

    @EventListener
    void on(SecurityNotification notification) {
        seen.add(notification);
    }

    /** The notifications of one user, in the order they were published. */
    public List<SecurityNotification> of(String userKey) {
        return seen.stream().filter(n -> n.userKey().equals(userKey)).toList();
    }

    @TestConfiguration(proxyBeanMethods = false)
    public static class Config {
        @Bean
        RecordedNotifications recordedNotifications() {
            return new RecordedNotifications();
        }
    }
}
