package io.otpgate.server.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;

import io.otpgate.server.api.ApiTestBase;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.DeviceSummary;
import io.otpgate.spring.notify.Notifications;
import io.otpgate.spring.notify.SecurityNotification;
import io.otpgate.spring.notify.SecurityNotification.Kind;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;

/**
 * The notifications of the user, through the REST API and the library's services, as e-mails received by a real
 * SMTP server (GreenMail) and as application events: one of each kind, to the user's {@code auth_user.email}, in
 * plain text without a secret, a code or a link; nothing for a change that was rolled back.
 */
@Import(RecordedNotifications.Config.class)
class NotificationMailTest extends ApiTestBase {

    private static final AtomicInteger MAILED_USERS = new AtomicInteger();

    @RegisterExtension
    static final GreenMailExtension SMTP = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
            .withPerMethodLifecycle(false);

    @DynamicPropertySource
    static void mail(DynamicPropertyRegistry registry) {
        registry.add("spring.mail.host", () -> "127.0.0.1");
        registry.add("spring.mail.port", () -> SMTP.getSmtp().getPort());
        registry.add("otpgate.notifications.from", () -> "otpgate@example.org");
        registry.add("otpgate.notifications.subject-prefix", () -> "[otpgate]");
    }

    @Autowired RecordedNotifications notifications;
    @Autowired Notifications publisher;
    @Autowired DeviceService devices;
    @Autowired PlatformTransactionManager transactions;

    @Override
    protected User newUser() {
        String name = "mailed" + MAILED_USERS.incrementAndGet() + "-" + System.nanoTime() % 100000;
        return userService.create(new NewUser(name, name + "@example.org", "", "", false, false), PASSWORD);
    }

    @Test
    void enrolWhenCodeConfirmsTheDeviceThenSecondFactorAddedMail() throws Exception {
        Enrolled enrolled = enrol();

        MimeMessage mail = onlyMailTo(user);
        assertThat(mail.getFrom()[0].toString()).isEqualTo("otpgate@example.org");
        assertThat(mail.getSubject()).isEqualTo("[otpgate] Two-factor authentication was turned on for your account");
        String body = GreenMailUtil.getBody(mail);
        assertThat(body).contains("Hello " + user.username(), "A second factor", "2026-01-01", "192.0.2.10");
        assertNoSecret(body, enrolled);
        assertThat(mail.getContentType()).startsWith("text/plain");
        assertThat(notifications.of(user.username())).singleElement().satisfies(n -> {
            assertThat(n.kind()).isEqualTo(Kind.SECOND_FACTOR_ADDED);
            assertThat(n.clientAddress()).isEqualTo("192.0.2.10");
            assertThat(n.device()).startsWith("totp/");
        });
    }

    @Test
    void deleteWhenTwoFactorTurnedOffThenMail() throws Exception {
        Enrolled enrolled = enrol();

        assertThat(delete("/api/totp/delete", enrolled.verified().access()).status()).isEqualTo(200);

        List<MimeMessage> mails = mailsTo(user, 2);
        assertThat(mails.get(1).getSubject()).endsWith("Two-factor authentication was turned off for your account");
        assertThat(GreenMailUtil.getBody(mails.get(1))).contains("turned off or reset");
        assertNoSecret(GreenMailUtil.getBody(mails.get(1)), enrolled);
        assertThat(kinds()).containsExactly(Kind.SECOND_FACTOR_ADDED, Kind.SECOND_FACTOR_OFF);
    }

    @Test
    void recoveryCodeLoginThenMailWithTheCodesLeft() throws Exception {
        Enrolled enrolled = enrol();
        String recoveryCode = enrolled.setup().recoveryCodes().get(0);

        Answer answer = post("/api/totp/recovery_code/login", login().access(), json("token", recoveryCode));

        assertThat(answer.status()).as("answer %s", answer.json()).isEqualTo(200);
        List<MimeMessage> mails = mailsTo(user, 2);
        String body = GreenMailUtil.getBody(mails.get(1));
        assertThat(mails.get(1).getSubject()).endsWith("A recovery code was used to sign in to your account");
        int left = enrolled.setup().recoveryCodes().size() - 1;
        assertThat(body).contains("You have " + left + " recovery codes left.");
        assertNoSecret(body, enrolled);
        assertThat(notifications.of(user.username()).get(1)).satisfies(n -> {
            assertThat(n.kind()).isEqualTo(Kind.RECOVERY_CODE_USED);
            assertThat(n.count()).isEqualTo(left);
        });
    }

    @Test
    void wrongCodesWhenReportedWithTheSuccessThenMailWithTheirNumber() throws Exception {
        new TransactionTemplate(transactions).executeWithoutResult(
                status -> publisher.wrongCodes(user.id(), 3, "198.51.100.7"));

        MimeMessage mail = onlyMailTo(user);
        assertThat(mail.getSubject()).endsWith("Wrong codes were tried after your password");
        assertThat(GreenMailUtil.getBody(mail)).contains("3 wrong codes were tried after the right password",
                "198.51.100.7", "change it");
        assertThat(notifications.of(user.username())).singleElement()
                .satisfies(n -> assertThat(n.count()).isEqualTo(3));
    }

    @Test
    void removeWhenLastConfirmedDeviceGoesThenTwoFactorOffMail() throws Exception {
        enrol();
        List<DeviceRef> both = devices.list(user.id()).stream().map(DeviceSummary::ref).toList();
        assertThat(both).extracting(DeviceRef::kind).containsExactly(DeviceKind.TOTP, DeviceKind.STATIC);

        devices.remove(user.id(), both.get(0), "203.0.113.4");
        assertThat(kinds()).as("the recovery codes are still a second factor").containsExactly(
                Kind.SECOND_FACTOR_ADDED);
        devices.remove(user.id(), both.get(1), "203.0.113.5");

        assertThat(kinds()).containsExactly(Kind.SECOND_FACTOR_ADDED, Kind.SECOND_FACTOR_OFF);
        assertThat(notifications.of(user.username()).get(1).device()).isEqualTo(both.get(1).persistentId());
        assertThat(GreenMailUtil.getBody(mailsTo(user, 2).get(1))).contains("203.0.113.5");
    }

    @Test
    void removeWhenOnlyAPendingSetupThenNoNotification() throws Exception {
        createTotp(login().access());
        DeviceRef pending = devices.list(user.id()).get(0).ref();

        devices.remove(user.id(), pending, null);
        new TransactionTemplate(transactions).executeWithoutResult(
                status -> publisher.wrongCodes(user.id(), 1, null));

        assertThat(onlyMailTo(user).getSubject()).endsWith("Wrong codes were tried after your password");
        assertThat(kinds()).containsExactly(Kind.WRONG_CODES);
    }

    @Test
    void resetWhenRolledBackThenNoEventAndNoMail() throws Exception {
        enrol();
        onlyMailTo(user);

        new TransactionTemplate(transactions).executeWithoutResult(status -> {
            devices.removeAll(user.id(), "203.0.113.5");
            status.setRollbackOnly();
        });
        // A later notification, sent by the same single sender after anything queued before it.
        new TransactionTemplate(transactions).executeWithoutResult(
                status -> publisher.wrongCodes(user.id(), 1, null));

        List<MimeMessage> mails = mailsTo(user, 2);
        assertThat(mails.get(1).getSubject()).endsWith("Wrong codes were tried after your password");
        assertThat(kinds()).containsExactly(Kind.SECOND_FACTOR_ADDED, Kind.WRONG_CODES);
        assertThat(count("select count(*) from otpgate_totp_device where account_id = ?", user.id())).isEqualTo(1);
    }

    @Test
    void resetWhenNoDeviceThenNoNotification() throws Exception {
        devices.removeAll(user.id(), null);
        new TransactionTemplate(transactions).executeWithoutResult(
                status -> publisher.wrongCodes(user.id(), 2, null));

        assertThat(onlyMailTo(user).getSubject()).endsWith("Wrong codes were tried after your password");
        assertThat(kinds()).containsExactly(Kind.WRONG_CODES);
    }

    private List<Kind> kinds() {
        return notifications.of(user.username()).stream().map(SecurityNotification::kind).toList();
    }

    /** Waits for the user's first mail; fails if there is more than one by then. */
    private MimeMessage onlyMailTo(User to) {
        return mailsTo(to, 1).get(0);
    }

    /** Waits until exactly {@code n} mails to the user have arrived (more fails), in the order they were sent. */
    private static List<MimeMessage> mailsTo(User to, int n) {
        await().atMost(Duration.ofSeconds(20)).until(() -> received(to).size() >= n);
        List<MimeMessage> mails = received(to);
        assertThat(mails).hasSize(n);
        return mails;
    }

    private static List<MimeMessage> received(User to) {
        return Arrays.stream(SMTP.getReceivedMessages()).filter(m -> {
            try {
                return Arrays.stream(m.getRecipients(Message.RecipientType.TO))
                        .anyMatch(a -> a.toString().equals(to.email()));
            } catch (jakarta.mail.MessagingException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    private static void assertNoSecret(String body, Enrolled enrolled) {
        assertThat(body).doesNotContain(enrolled.setup().secret().exposeBase32(), enrolled.setup().secret().exposeHex())
                .doesNotContainPattern("\\b\\d{6,8}\\b").doesNotContain("http", "://", "otpauth");
        for (String code : enrolled.setup().recoveryCodes()) {
            assertThat(body).doesNotContain(code);
        }
    }
}
