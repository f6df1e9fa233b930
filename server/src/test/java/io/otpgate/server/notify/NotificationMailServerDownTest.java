package io.otpgate.server.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import io.otpgate.server.api.ApiTestBase;
import io.otpgate.server.user.NewUser;
import io.otpgate.spring.notify.NotificationRecipients;
import io.otpgate.spring.notify.Notifications;

/**
 * The SMTP server down: every login and code still succeeds, and the failure is logged once, not once per mail,
 * until a mail goes through again (then a new failure is logged once more). No line holds a message's text.
 */
@ExtendWith(OutputCaptureExtension.class)
@Import(NotificationMailServerDownTest.Recipients.class)
class NotificationMailServerDownTest extends ApiTestBase {

    private static final int PORT = freePort();
    private static final String ERROR = "notification e-mails cannot be sent";
    /** A user whose address lookup marks the point where every earlier mail has been tried (one sender thread). */
    private static final String MARKER = "marker-user";

    @DynamicPropertySource
    static void mail(DynamicPropertyRegistry registry) {
        registry.add("spring.mail.host", () -> "127.0.0.1");
        registry.add("spring.mail.port", () -> PORT);
    }

    @Autowired Recipients recipients;
    @Autowired Notifications notifications;
    @Autowired PlatformTransactionManager transactions;
    private Long marker;

    @Test
    void sendWhenServerDownThenLoginsSucceedAndOneErrorLineUntilAMailGoesThrough(CapturedOutput output)
            throws Exception {
        Enrolled enrolled = enrol();
        Tokens password = login();
        Answer recovery = post("/api/totp/recovery_code/login", password.access(),
                json("token", enrolled.setup().recoveryCodes().get(0)));
        wrongCodes(3);
        assertThat(recovery.status()).as("answer %s", recovery.json()).isEqualTo(200);
        // A recovery code is not enough to turn 2FA off (step-up): a code from the device is.
        nextStep();
        Tokens verified = tokens(post("/api/totp/login", tokens(recovery).access(),
                json("token", code(enrolled.setup().secret()))));
        assertThat(delete("/api/totp/delete", verified.access()).status()).isEqualTo(200);

        allTried();
        assertThat(lines(output, ERROR)).as(output.getAll()).isEqualTo(1);
        assertThat(output.getAll()).contains("Connect").doesNotContain("Hello ", "If this was not you");

        GreenMail smtp = new GreenMail(new ServerSetup(PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        try {
            wrongCodes(1);
            allTried();
            assertThat(smtp.getReceivedMessages()).hasSize(1);
            assertThat(output.getAll()).contains("notification e-mails are sent again");
        } finally {
            smtp.stop();
        }

        wrongCodes(2);
        wrongCodes(4);
        allTried();
        assertThat(lines(output, ERROR)).as("a new failure after a success is logged again, once").isEqualTo(2);
    }

    private void wrongCodes(int count) {
        new TransactionTemplate(transactions).executeWithoutResult(
                status -> notifications.wrongCodes(user.id(), count, "192.0.2.10"));
    }

    /** Sends a mail to the marker user (who has no address) and waits until the sender has looked it up. */
    private void allTried() {
        if (marker == null) {
            marker = userService.create(NewUser.named(MARKER), PASSWORD).id();
        }
        int before = recipients.markers.get();
        new TransactionTemplate(transactions).executeWithoutResult(
                status -> notifications.wrongCodes(marker, 1, null));
        await().atMost(Duration.ofSeconds(30)).until(() -> recipients.markers.get() > before);
    }

    private static long lines(CapturedOutput output, String text) {
        return output.getAll().lines().filter(line -> line.contains(text)).count();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The users' addresses, counting the marker user's lookups. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Recipients {
        final AtomicInteger markers = new AtomicInteger();

        @Bean
        @Primary
        NotificationRecipients testRecipients() {
            return userKey -> {
                if (userKey.equals(MARKER)) {
                    markers.incrementAndGet();
                    return Optional.empty();
                }
                return Optional.of(userKey + "@example.org");
            };
        }
    }
}
