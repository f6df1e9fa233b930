package io.otpgate.server.login;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.otpgate.server.system.TestDatabases;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;

/**
 * The client address that the password throttle and the security log see, on a real Tomcat (MockMvc does not run
 * its {@code RemoteIpValve}): {@code X-Forwarded-For} counts only when the connection comes from a configured
 * trusted proxy. Each subclass starts the server with other settings; the test client connects from 127.0.0.1.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"logging.level.otpgate.security=WARN", "server.tomcat.accesslog.enabled=false",
                "otpgate.login.throttle-factor=30s"})
abstract class ClientAddressContract {

    static final String PASSWORD = "correct horse battery";

    @TempDir
    static Path dataDir;

    @LocalServerPort int port;
    @Autowired UserService users;
    @Autowired JdbcClient jdbc;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabases.h2(registry);
        registry.add("otpgate.data-dir", dataDir::toString);
    }

    User newUser() {
        return users.create(NewUser.named("proxied-" + UUID.randomUUID()), PASSWORD);
    }

    /** {@code POST /api/token}, with an {@code X-Forwarded-For} header unless it is null. */
    HttpResponse<String> login(String username, String password, String forwardedFor) throws Exception {
        String body = "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}";
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/token"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (forwardedFor != null) {
            request.header("X-Forwarded-For", forwardedFor);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Four wrong passwords for the username: its fifth attempt from the same client waits. */
    void failFourTimes(String username, String forwardedFor) throws Exception {
        for (int i = 1; i <= 4; i++) {
            assertThat(login(username, "wrong password", forwardedFor).statusCode()).as("failure %d", i)
                    .isEqualTo(401);
        }
    }

    /** The client address of the user's last security event, as the server recorded it. */
    String lastAddress(User user) {
        return jdbc.sql("select client_address from otpgate_security_event where account_id = ? order by id desc "
                + "limit 1").param(user.id()).query(String.class).single();
    }
}
