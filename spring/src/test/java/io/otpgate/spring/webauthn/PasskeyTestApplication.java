package io.otpgate.spring.webauthn;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import org.h2.jdbcx.JdbcDataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import io.otpgate.postgres.ThrowawayPostgres;
import io.otpgate.postgres.ThrowawayPostgres.Database;
import io.otpgate.spring.OtpgateLibrary;
import io.otpgate.spring.system.OtpgateSchema;

/**
 * The library alone on an in-memory H2 database (PostgreSQL mode, as the server's tests) or, with
 * {@value #DATABASE}{@code =postgres}, on a new database of a throw-away PostgreSQL cluster; its migrations applied,
 * with a clock the test moves.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(OtpgateLibrary.class)
class PasskeyTestApplication {

    static final String PROPERTIES = "spring.main.web-application-type=none";
    /** A fixed key ring for the sealed columns (no passkey has any; the other kinds' beans need one). */
    static final String KEYS = "otpgate.secrets.keys=1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    /** Set to {@code postgres} for a new database of the JVM's throw-away PostgreSQL cluster; H2 otherwise. */
    static final String DATABASE = "otpgate.test.database";

    @Bean
    DataSource dataSource(@Value("${" + DATABASE + ":h2}") String database) {
        if (database.equals("postgres")) {
            Database postgres = ThrowawayPostgres.shared().newDatabase();
            DataSource dataSource = new DriverManagerDataSource(postgres.jdbcUrl(), postgres.username(),
                    postgres.password());
            OtpgateSchema.migrate(dataSource, false);
            return dataSource;
        }
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:w" + UUID.randomUUID().toString().replace("-", "")
                + ";DB_CLOSE_DELAY=-1;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
        dataSource.setUser("sa");
        OtpgateSchema.migrate(dataSource, false);
        return dataSource;
    }

    @Bean
    TestClock clock() {
        return new TestClock(Instant.parse("2026-12-06T12:00:00Z"));
    }

    @Bean
    SecureRandom secureRandom() {
        return new SecureRandom();
    }

    /** A clock that stands still until a test moves it. */
    static final class TestClock extends Clock {

        private final AtomicReference<Instant> now;

        TestClock(Instant start) {
            now = new AtomicReference<>(start);
        }

        void advance(Duration duration) {
            now.updateAndGet(instant -> instant.plus(duration));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }
}
