package io.otpgate.server.trust;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
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

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.postgres.ThrowawayPostgres.Database;
import io.otpgate.server.OtpgateApplication;
import io.otpgate.server.system.PostgresTestCluster;
import io.otpgate.server.system.RequiresPostgres;
import io.otpgate.server.system.TestDatabases;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.UserService;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two servers (each with its own Tomcat and connection pool) share one PostgreSQL database, and with it the trusted
 * browsers and the key of their digests: a browser trusted through one is trusted by the other, and one revoked
 * through either is revoked for both.
 */
@RequiresPostgres
class TrustedBrowsersTwoInstancesTest {

    static final String PASSWORD = "correct horse battery";
    static final String COOKIE = "otpgate_trusted_browser";
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dataDir;
    static final List<ConfigurableApplicationContext> instances = new ArrayList<>();
    static ConfigurableApplicationContext first;
    static ConfigurableApplicationContext second;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() {
        Database database = PostgresTestCluster.newDatabase();
        first = start(database);
        second = start(database);
    }

    static ConfigurableApplicationContext start(Database database) {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(OtpgateApplication.class)
                .web(WebApplicationType.SERVLET)
                .run("--spring.datasource.url=" + database.jdbcUrl(),
                        "--spring.datasource.username=" + database.username(),
                        "--spring.datasource.password=" + database.password(),
                        "--otpgate.secrets.keys=" + TestDatabases.TEST_KEYS,
                        "--otpgate.data-dir=" + dataDir.resolve(UUID.randomUUID().toString()),
                        "--server.port=0", "--server.tomcat.accesslog.enabled=false",
                        "--spring.datasource.hikari.maximum-pool-size=8",
                        "--logging.level.otpgate.security=WARN");
        instances.add(context);
        return context;
    }

    @AfterAll
    static void stop() {
        instances.forEach(ConfigurableApplicationContext::close);
    }

    @Test
    void browserTrustedThroughOneInstanceThenTheOtherTrustsItThenRevokedThroughItThenNeither() throws Exception {
        String name = "two-" + UUID.randomUUID();
        first.getBean(UserService.class).create(NewUser.named(name), PASSWORD);
        String password = json(call(first, "POST", "/api/token", null, null, login(name))).get("access")
                .stringValue();
        OtpSecret secret = OtpAuthUri.parse(json(call(first, "POST", "/api/totp/create", password, null, null))
                .get("otpUrl").stringValue()).secret();

        // The code that confirms the device also trusts the browser.
        HttpResponse<String> confirmed = call(first, "POST", "/api/totp/login", password, null,
                "{\"token\":\"" + Totp.defaults().generate(secret, Instant.now()) + "\",\"remember\":true}");
        assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(200);
        String setCookie = confirmed.headers().firstValue("Set-Cookie").orElseThrow();
        String value = setCookie.substring(COOKIE.length() + 1, setCookie.indexOf(';'));

        String remembered = json(call(second, "POST", "/api/token", null, value, login(name))).get("access")
                .stringValue();
        assertThat(claims(remembered).get("otp_remembered").booleanValue()).isTrue();
        assertThat(call(second, "GET", "/api/me", remembered, null, null).statusCode()).isEqualTo(200);
        JsonNode listed = json(call(first, "GET", "/api/trusted_browsers", remembered, null, null));
        assertThat(listed.size()).isEqualTo(1);

        assertThat(call(second, "DELETE", "/api/trusted_browsers/" + listed.get(0).get("id").longValue(), remembered,
                null, null).statusCode()).isEqualTo(204);

        String after = json(call(first, "POST", "/api/token", null, value, login(name))).get("access").stringValue();
        assertThat(claims(after).has("otp_remembered")).isFalse();
        assertThat(call(first, "GET", "/api/me", after, null, null).statusCode()).isEqualTo(403);
    }

    private static String login(String name) {
        return "{\"username\":\"" + name + "\",\"password\":\"" + PASSWORD + "\"}";
    }

    private HttpResponse<String> call(ConfigurableApplicationContext instance, String method, String path,
            String bearer, String cookie, String body) throws Exception {
        int port = ((WebServerApplicationContext) instance).getWebServer().getPort();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        if (cookie != null) {
            request.header("Cookie", COOKIE + "=" + cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        return JSON.readTree(response.body());
    }

    private static JsonNode claims(String jwt) {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }
}
