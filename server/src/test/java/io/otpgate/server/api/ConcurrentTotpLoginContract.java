package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.RepeatedTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.server.system.TestClock;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Twenty {@code POST /api/totp/login} requests with one valid code, over real HTTP to a running server, released
 * together: exactly one is answered 200; the others 400 (the code was used) or 429 (throttled after a failure).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "server.tomcat.threads.max=40")
@Import(TestClock.Config.class)
abstract class ConcurrentTotpLoginContract {

    private static final int REQUESTS = 20;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort int port;
    @Autowired UserService users;
    @Autowired TestClock clock;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @RepeatedTest(3)
    void loginWhenTwentyConcurrentRequestsCarryOneValidCodeThenExactlyOneSucceeds() throws Exception {
        clock.set(Instant.parse("2026-01-01T00:00:00Z"));
        User user = users.create(NewUser.named("race" + System.nanoTime()), "correct horse battery");
        String password = send("/api/token", null, "{\"username\":\"" + user.username()
                + "\",\"password\":\"correct horse battery\"}").get("access").stringValue();
        OtpSecret secret = OtpAuthUri.parse(send("/api/totp/create", password, "").get("otpUrl").stringValue())
                .secret();
        send("/api/totp/login", password, "{\"token\":\"" + Totp.defaults().generate(secret, clock.instant()) + "\"}");
        clock.advance(Duration.ofSeconds(30));
        String body = "{\"token\":\"" + Totp.defaults().generate(secret, clock.instant()) + "\"}";

        CountDownLatch ready = new CountDownLatch(REQUESTS);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(REQUESTS);
        List<Future<Integer>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < REQUESTS; i++) {
                answers.add(pool.submit(() -> {
                    HttpRequest request = request("/api/totp/login", password, body);
                    ready.countDown();
                    go.await();
                    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                }));
            }
            assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            Map<Integer, Integer> statuses = new TreeMap<>();
            for (Future<Integer> answer : answers) {
                statuses.merge(answer.get(30, TimeUnit.SECONDS), 1, Integer::sum);
            }
            assertThat(statuses.get(200)).as("statuses %s", statuses).isEqualTo(1);
            assertThat(statuses.keySet()).as("statuses %s", statuses).containsAnyOf(400, 429)
                    .allMatch(s -> s == 200 || s == 400 || s == 429);
        } finally {
            pool.shutdownNow();
        }
    }

    private HttpRequest request(String path, String bearer, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            builder.header("Authorization", "Bearer " + bearer);
        }
        return builder.build();
    }

    private JsonNode send(String path, String bearer, String body) throws Exception {
        HttpResponse<String> response = http.send(request(path, bearer, body), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s answered %s", path, response.body()).isBetween(200, 201);
        return JSON.readTree(response.body());
    }
}
