package io.otpgate.spring.secret;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import com.zaxxer.hikari.HikariDataSource;

import io.otpgate.core.OtpSecret;

/**
 * A stored key is read on the caller's connection. An instance that has not read the recovery-digest key yet reads
 * it inside the verification's transaction, while other requests hold the rest of the pool waiting on that
 * transaction's row lock: asking for a second connection there waited out the pool's timeout and answered 500 (seen
 * in CI as one 500 among 20 concurrent recovery codes on two instances). A pool of one connection makes it certain.
 */
class ServerKeysWithOneConnectionTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    private HikariDataSource pool;
    private SecretBox box;

    @BeforeEach
    void onePooledConnection() {
        String url = "jdbc:h2:mem:k" + UUID.randomUUID().toString().replace("-", "")
                + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
        // Flyway needs two connections of its own: it migrates outside the pool.
        Flyway.configure().dataSource(url, "sa", "").locations("classpath:db/otpgate").load().migrate();
        pool = new HikariDataSource();
        pool.setJdbcUrl(url);
        pool.setUsername("sa");
        pool.setMaximumPoolSize(1);
        pool.setConnectionTimeout(250);
        box = new SecretBox(KeyRing.generate(RANDOM), RANDOM);
    }

    @AfterEach
    void close() {
        pool.close();
    }

    @Test
    void getWhenStoredAndCallerHoldsTheOnlyConnectionThenReadOnItsTransaction() {
        OtpSecret made = keys().get(ServerKey.RECOVERY_DIGEST);

        ServerKeys otherInstance = keys();
        OtpSecret read = new TransactionTemplate(new DataSourceTransactionManager(pool))
                .execute(t -> otherInstance.get(ServerKey.RECOVERY_DIGEST));

        assertThat(read.exposeBytes()).isEqualTo(made.exposeBytes());
    }

    @Test
    void materialWhenStoredAndCallerHoldsTheOnlyConnectionThenReadOnItsTransaction() {
        byte[] made = keys().material(ServerKey.JWT_RS256, r -> new byte[] {1, 2, 3});

        ServerKeys otherInstance = keys();
        byte[] read = new TransactionTemplate(new DataSourceTransactionManager(pool))
                .execute(t -> otherInstance.material(ServerKey.JWT_RS256, r -> new byte[] {9}));

        assertThat(read).isEqualTo(made);
    }

    private ServerKeys keys() {
        return new ServerKeys(JdbcClient.create(pool), box, RANDOM, Clock.systemUTC(),
                new DataSourceTransactionManager(pool));
    }
}
