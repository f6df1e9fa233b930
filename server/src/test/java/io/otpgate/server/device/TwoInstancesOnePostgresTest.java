package io.otpgate.server.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.postgres.ThrowawayPostgres.Database;
import io.otpgate.server.OtpgateApplication;
import io.otpgate.spring.recovery.RecoveryCodeService;
import io.otpgate.server.system.PostgresTestCluster;
import io.otpgate.server.system.RequiresPostgres;
import io.otpgate.server.system.TestDatabases;
import io.otpgate.spring.totp.TotpEnrolment;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.PendingSetups;
import io.otpgate.spring.device.VerificationService;

/**
 * Two application contexts (two "server instances", each with its own connection pool) share one PostgreSQL
 * database; ten threads on each carry the same code at once: exactly one of the twenty is accepted.
 */
@RequiresPostgres
class TwoInstancesOnePostgresTest {

    static ConfigurableApplicationContext first;
    static ConfigurableApplicationContext second;

    @BeforeAll
    static void start() {
        Database database = PostgresTestCluster.newDatabase();
        first = start(database);
        second = start(database);
    }

    static ConfigurableApplicationContext start(Database database) {
        // Command-line arguments, not SpringApplicationBuilder.properties(): those are defaults, which
        // application.properties overrides (the contexts then shared an H2 file under ./data, not PostgreSQL).
        return new SpringApplicationBuilder(OtpgateApplication.class).web(WebApplicationType.NONE)
                .run("--spring.datasource.url=" + database.jdbcUrl(),
                        "--spring.datasource.username=" + database.username(),
                        "--spring.datasource.password=" + database.password(),
                        "--otpgate.secrets.keys=" + TestDatabases.TEST_KEYS,
                        "--spring.datasource.hikari.maximum-pool-size=12",
                        "--logging.level.otpgate.security=WARN");
    }

    @AfterAll
    static void stop() {
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
    }

    @RepeatedTest(3)
    void verifyWhenTenThreadsOnEachInstanceCarryOneTotpCodeThenExactlyOneSucceeds() throws Exception {
        User user = first.getBean(UserService.class).create(NewUser.named("two-" + System.nanoTime()), "correct horse");
        OtpSecret secret = first.getBean(TotpEnrolment.class).enrol(user, "phone", true, null).uri().secret();
        String code = Totp.defaults().generate(secret, Instant.now());

        Map<Class<?>, Integer> outcomes = ConcurrentVerification.race(attempts(user, code, DeviceKind.TOTP));

        assertThat(outcomes.get(VerificationOutcome.Verified.class)).as("%s", outcomes).isEqualTo(1);
    }

    @RepeatedTest(3)
    void verifyWhenTenThreadsOnEachInstanceCarryOneRecoveryCodeThenExactlyOneSucceeds() throws Exception {
        User user = first.getBean(UserService.class).create(NewUser.named("two-" + System.nanoTime()), "correct horse");
        // Codes issued on one instance are digested under the key both share (server_key, sealed).
        String code = second.getBean(RecoveryCodeService.class).issue(user.id(), 5, false, null).codes().get(2);

        Map<Class<?>, Integer> outcomes = ConcurrentVerification.race(attempts(user, code, DeviceKind.STATIC));

        assertThat(outcomes.get(VerificationOutcome.Verified.class)).as("%s", outcomes).isEqualTo(1);
    }

    private static List<Supplier<VerificationOutcome>> attempts(User user, String code, DeviceKind kind) {
        List<Supplier<VerificationOutcome>> attempts = new ArrayList<>();
        for (ConfigurableApplicationContext instance : List.of(first, second)) {
            VerificationService service = instance.getBean(VerificationService.class);
            for (int i = 0; i < 10; i++) {
                attempts.add(() -> service.verify(user.id(), code, EnumSet.of(kind), PendingSetups.NONE, null));
            }
        }
        return attempts;
    }
}
