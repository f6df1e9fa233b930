package io.otpgate.samples.jwtapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.postgres.ThrowawayPostgres;
import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.device.DeviceService;
import tools.jackson.databind.json.JsonMapper;

/**
 * The library on its own, as an application uses it: two instances of the sample sharing one PostgreSQL. The same
 * code sent 20 times at once, 10 to each, earns exactly one token; a recovery code too; and a dump of the
 * application's database holds neither the secret nor a recovery code, in any encoding the test knows.
 */
class TwoInstancesOnPostgresTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int REQUESTS = 20;

    private static ThrowawayPostgres postgres;
    private static ThrowawayPostgres.Database database;
    private static List<ConfigurableApplicationContext> instances = new ArrayList<>();
    private static List<String> urls = new ArrayList<>();

    @BeforeAll
    static void twoInstancesOnOneDatabase() {
        Assumptions.assumeTrue(ThrowawayPostgres.availableOrThrowInCi(), ThrowawayPostgres::unavailableReason);
        postgres = ThrowawayPostgres.shared();
        database = postgres.newDatabase();
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        for (int i = 0; i < 2; i++) {
            ConfigurableApplicationContext context = new SpringApplicationBuilder(JwtApiApplication.class)
                    .properties(Map.of("spring.datasource.url", database.jdbcUrl(),
                            "spring.datasource.username", database.username(),
                            "spring.datasource.password", database.password(),
                            "otpgate.secrets.keys", "1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
                            "sample.jwt.key", Base64.getEncoder().encodeToString(key),
                            "server.port", "0", "server.address", "127.0.0.1",
                            "spring.main.banner-mode", "off", "logging.level.root", "WARN",
                            // Fewer connections than concurrent requests: the winner of the account's row lock
                            // must finish on the one connection it holds (a second one is never free).
                            "spring.datasource.hikari.maximum-pool-size", "4"))
                    .run();
            instances.add(context);
            urls.add("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"));
        }
    }

    @AfterAll
    static void stop() {
        instances.forEach(ConfigurableApplicationContext::close);
    }

    @Test
    void codeWhenSentToBothInstancesAtOnceThenExactlyOneToken() throws Exception {
        String password = post(urls.get(0), "/api/token", null, "{\"username\":\"alice\",\"password\":"
                + "\"alice-password\"}").get("access");
        Map<String, Object> created = JSON.readValue(send(urls.get(1), "POST", "/otp/api/totp/create", password, null)
                .body(), Map.class);
        OtpSecret secret = OtpAuthUri.parse((String) created.get("otpUrl")).secret();
        @SuppressWarnings("unchecked")
        List<String> recoveryCodes = (List<String>) created.get("recoveryCodes");
        String confirm = Totp.defaults().generate(secret, Instant.now());
        assertThat(send(urls.get(0), "POST", "/api/token/otp", password, "{\"token\":\"" + confirm + "\"}")
                .statusCode()).isEqualTo(200);

        // A code of the next step, sent at once to both instances: one token, never two.
        String next = Totp.defaults().generate(secret, Instant.now().plusSeconds(30));
        assertThat(race(password, next)).as("200s for one code").isEqualTo(1);
        // The losers of that race were refused as replays of the accepted code, not counted as wrong codes: there is
        // nothing for an operator to unlock, and the next race is checked at once.
        long account = instances.get(0).getBean(Accounts.class).find("alice").orElseThrow().accountId();
        assertThat(instances.get(1).getBean(DeviceService.class).unlock(account, null))
                .as("a failure was counted for a replay").isFalse();
        assertThat(race(password, recoveryCodes.get(0))).as("200s for one recovery code").isEqualTo(1);

        String dump = postgres.dump(database, "--inserts");
        assertThat(dump).contains("otpgate_totp_device").contains("otpgate_static_token");
        for (String known : List.of(secret.exposeBase32(), secret.exposeHex(),
                Base64.getEncoder().encodeToString(secret.exposeBytes()), recoveryCodes.get(1),
                recoveryCodes.get(1).replace("-", ""), HexFormat.of().formatHex(recoveryCodes.get(1).getBytes()))) {
            assertThat(dump.toLowerCase()).as("the dump holds a secret or a code").doesNotContain(known.toLowerCase());
        }
    }

    /** Sends the code {@value #REQUESTS} times at once, half to each instance; returns how many got a token. */
    private static long race(String token, String code) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(REQUESTS);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                String url = urls.get(i % 2);
                Callable<Integer> call = () -> {
                    start.await();
                    return send(url, "POST", "/api/token/otp", token, "{\"token\":\"" + code + "\"}").statusCode();
                };
                answers.add(threads.submit(call));
            }
            start.countDown();
            long ok = 0;
            for (Future<Integer> answer : answers) {
                int status = answer.get(60, TimeUnit.SECONDS);
                assertThat(status).as("every answer is a token or a refusal, never a 5xx").isIn(200, 400, 429);
                ok += status == 200 ? 1 : 0;
            }
            return ok;
        } finally {
            threads.shutdownNow();
        }
    }

    private static Map<String, String> post(String base, String path, String token, String body) throws Exception {
        HttpResponse<String> answer = send(base, "POST", path, token, body);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        @SuppressWarnings("unchecked")
        Map<String, String> json = JSON.readValue(answer.body(), Map.class);
        return json;
    }

    private static HttpResponse<String> send(String base, String method, String path, String token, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
