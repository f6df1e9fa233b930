package io.otpgate.server.login;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import io.otpgate.postgres.ThrowawayPostgres.Database;
import io.otpgate.server.OtpgateApplication;
import io.otpgate.server.system.PostgresTestCluster;
import io.otpgate.server.system.RequiresPostgres;
import io.otpgate.server.system.TestDatabases;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.UserService;

/**
 * Two servers (two application contexts, each with its own Tomcat on a loopback port and its own connection pool)
 * share one PostgreSQL database, and with it the count of failed password logins: failures sent to one slow the
 * other, failures on both at once are each counted, and a server started later knows them. The first wait is 30 s
 * here, so that no test depends on how fast this machine is.
 */
@RequiresPostgres
class LoginThrottleTwoInstancesTest {

    static final String PASSWORD = "correct horse battery";

    @TempDir
    static Path dataDir;
    static Database database;
    static final List<ConfigurableApplicationContext> instances = new ArrayList<>();
    static ConfigurableApplicationContext first;
    static ConfigurableApplicationContext second;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() {
        database = PostgresTestCluster.newDatabase();
        first = start(database);
        second = start(database);
    }

    static ConfigurableApplicationContext start(Database database) {
        // Command-line arguments: SpringApplicationBuilder.properties() are defaults that application.properties
        // overrides.
        ConfigurableApplicationContext context = new SpringApplicationBuilder(OtpgateApplication.class)
                .web(WebApplicationType.SERVLET)
                .run("--spring.datasource.url=" + database.jdbcUrl(),
                        "--spring.datasource.username=" + database.username(),
                        "--spring.datasource.password=" + database.password(),
                        "--otpgate.secrets.keys=" + TestDatabases.TEST_KEYS,
                        "--otpgate.data-dir=" + dataDir.resolve(UUID.randomUUID().toString()),
                        "--server.port=0", "--server.tomcat.accesslog.enabled=false",
                        "--spring.datasource.hikari.maximum-pool-size=12",
                        "--otpgate.login.throttle-factor=30s",
                        "--logging.level.otpgate.security=WARN");
        instances.add(context);
        return context;
    }

    @AfterAll
    static void stop() {
        instances.forEach(ConfigurableApplicationContext::close);
    }

    @Test
    void loginWhenFourFailuresOnOneInstanceThenTheOtherRefusesEvenTheRightPassword() throws Exception {
        String name = newUser();
        for (int i = 1; i <= 4; i++) {
            assertThat(login(first, name, "wrong password").statusCode()).as("failure %d", i).isEqualTo(401);
        }

        HttpResponse<String> refused = login(second, name, PASSWORD);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After").map(Long::parseLong)).get()
                .satisfies(seconds -> assertThat(seconds).isBetween(1L, 30L));
        assertThat(refused.body()).doesNotContain("access");
    }

    @Test
    void loginWhenThreeFailuresOnOneInstanceThenTheOtherStillChecksAndSuccessClearsForBoth() throws Exception {
        String name = newUser();
        for (int i = 1; i <= 3; i++) {
            assertThat(login(first, name, "wrong password").statusCode()).isEqualTo(401);
        }

        assertThat(login(second, name, PASSWORD).statusCode()).isEqualTo(200);

        for (int i = 1; i <= 3; i++) {
            assertThat(login(first, name, "wrong password").statusCode()).as("failure %d after the success", i)
                    .isEqualTo(401);
        }
        assertThat(login(second, name, PASSWORD).statusCode()).isEqualTo(200);
    }

    @Test
    void failedWhenTenThreadsOnEachInstanceFailTogetherThenBothCountTwenty() throws Exception {
        String name = "ghost-" + UUID.randomUUID();
        LoginThrottle one = first.getBean(LoginThrottle.class);
        LoginThrottle two = second.getBean(LoginThrottle.class);
        List<Runnable> failures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            failures.add(() -> one.failed(name, "192.0.2.77"));
            failures.add(() -> two.failed(name, "192.0.2.77"));
        }

        race(failures);

        LoginFailures table = second.getBean(LoginFailures.class);
        assertThat(table.find(table.username(name))).get().extracting(LoginFailures.Failures::count).isEqualTo(20);
        assertThat(table.find(table.address("192.0.2.77"))).get().extracting(LoginFailures.Failures::count)
                .isEqualTo(20);
        assertThat(one.check(name, null)).contains(Duration.ofMinutes(5));
        assertThat(two.check(name, null)).contains(Duration.ofMinutes(5));
    }

    @Test
    void checkWhenAnInstanceStartsAfterTheFailuresThenItKnowsThem() throws Exception {
        String name = newUser();
        for (int i = 1; i <= 4; i++) {
            assertThat(login(first, name, "wrong password").statusCode()).isEqualTo(401);
        }

        ConfigurableApplicationContext restarted = start(database);

        assertThat(login(restarted, name, PASSWORD).statusCode()).isEqualTo(429);
    }

    // helpers

    private static String newUser() {
        String name = "two-" + UUID.randomUUID();
        first.getBean(UserService.class).create(NewUser.named(name), PASSWORD);
        return name;
    }

    private HttpResponse<String> login(ConfigurableApplicationContext instance, String username, String password)
            throws Exception {
        int port = ((WebServerApplicationContext) instance).getWebServer().getPort();
        String body = "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}";
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/token"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void race(List<Runnable> actions) throws Exception {
        java.util.Iterator<Runnable> next = actions.iterator();
        LoginThrottleContract.race(actions.size(), () -> {
            Runnable action;
            synchronized (next) {
                action = next.next();
            }
            action.run();
        });
    }
}
