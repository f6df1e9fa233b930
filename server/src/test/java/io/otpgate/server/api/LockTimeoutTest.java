package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A request that cannot lock its account in time (another transaction holds the row past H2's {@code LOCK_TIMEOUT})
 * is a 503 with {@code Retry-After}, never a 500, and changes nothing.
 */
class LockTimeoutTest extends ApiTestBase {

    @Autowired PlatformTransactionManager transactions;

    @DynamicPropertySource
    static void shortLockTimeout(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> "jdbc:h2:mem:l" + UUID.randomUUID().toString().replace("-", "")
                + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=300;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
    }

    @Test
    void loginWhenAnotherTransactionHoldsTheAccountThenServiceUnavailableAndNothingWritten() throws Exception {
        Enrolled enrolled = enrol();
        nextStep();
        String code = code(enrolled.setup().secret());
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> new TransactionTemplate(transactions).executeWithoutResult(status -> {
            jdbc.sql("select id from otpgate_account where id = ? for update").param(user.id()).query(Long.class)
                    .single();
            locked.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        holder.start();
        Answer busy;
        try {
            assertThat(locked.await(30, TimeUnit.SECONDS)).isTrue();
            busy = post("/api/totp/login", enrolled.passwordOnly().access(), json("token", code));
        } finally {
            release.countDown();
            holder.join();
        }

        assertThat(busy.status()).as("answer %s", busy.json()).isEqualTo(503);
        assertThat(busy.header("Retry-After")).isEqualTo("1");
        assertThat(busy.text("detail")).doesNotContain("otpgate_account");
        assertThat(count("select failure_count from otpgate_account where id = ?", user.id())).isZero();
        assertThat(post("/api/totp/login", enrolled.passwordOnly().access(), json("token", code)).status())
                .as("the code was not spent").isEqualTo(200);
    }
}
