package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.beans.factory.annotation.Autowired;

import io.otpgate.browser.Chromium;
import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.server.system.TestDatabases;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What operators get beside the API, on a real server: the OpenAPI description and Swagger UI, the security-event
 * counters for Prometheus, and access and application logs that never hold a token, a code, a secret or a password.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "server.tomcat.accesslog.buffered=false")
@ExtendWith(OutputCaptureExtension.class)
class ApiOperationsTest {

    @TempDir
    static Path dataDir;

    private static final String PASSWORD = "correct horse battery";
    private static final String METRICS_TOKEN = "metrics-token-for-this-test-only-0123456789";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort int port;
    @Autowired UserService users;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestDatabases.h2(registry);
        registry.add("otpgate.data-dir", dataDir::toString);
        registry.add("otpgate.metrics.token", () -> METRICS_TOKEN);
    }

    @Test
    void apiDocsWhenFetchedThenDescribeEveryEndpointWithBearerAuth() throws Exception {
        HttpResponse<String> docs = send("GET", "/v3/api-docs", null, null);

        assertThat(docs.statusCode()).isEqualTo(200);
        JsonNode paths = JSON.readTree(docs.body()).get("paths");
        assertThat(paths.propertyNames()).contains("/api/token", "/api/token/refresh", "/api/token/blacklist",
                "/api/totp/create", "/api/totp/rollback", "/api/totp/login", "/api/totp/recovery_code/create",
                "/api/totp/recovery_code/login", "/api/totp/delete", "/api/totp/status", "/api/me", "/api/profile",
                "/api/oauth_profiles", "/api/oauth_profiles/{id}");
        assertThat(docs.body()).contains("\"bearerFormat\":\"JWT\"");
    }

    /**
     * Swagger UI opens without a token (read-only documentation), and everything its page loads comes from this
     * server: no CDN.
     */
    @Test
    void swaggerUiWhenOpenedWithoutTokenThenPageAssetsAndDescriptionLoadFromThisServer() throws Exception {
        HttpResponse<String> docs = send("GET", "/api/docs", null, null);
        assertThat(docs.statusCode()).isEqualTo(302);
        URI page = URI.create(base() + "/api/docs").resolve(docs.headers().firstValue("Location").orElseThrow());
        assertThat(page.getPath()).isEqualTo("/api/swagger-ui/index.html");

        HttpResponse<String> html = send("GET", page.getPath(), null, null);
        assertThat(html.statusCode()).as(html.body()).isEqualTo(200);
        assertThat(html.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("text/html"));
        List<String> assets = java.util.regex.Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(html.body())
                .results().map(m -> m.group(1)).toList();
        assertThat(assets).isNotEmpty().allSatisfy(asset -> assertThat(page.resolve(asset).getAuthority())
                .as("%s is served by this server", asset).isEqualTo("127.0.0.1:" + port));
        assertThat(assets).anyMatch(a -> a.endsWith(".js"));
        for (String asset : assets) {
            assertThat(send("GET", page.resolve(asset).getPath(), null, null).statusCode()).as(asset).isEqualTo(200);
        }
        HttpResponse<String> config = send("GET", "/v3/api-docs/swagger-config", null, null);
        assertThat(config.statusCode()).as(config.body()).isEqualTo(200);
        String url = JSON.readTree(config.body()).path("url").stringValue();
        assertThat(url).isEqualTo("/v3/api-docs");
        assertThat(send("GET", url, null, null).statusCode()).isEqualTo(200);
    }

    /** In a real browser: Swagger UI lists the API's endpoints, and the browser fetched nothing from elsewhere. */
    @Test
    void swaggerUiWhenOpenedInChromiumThenListsEndpointsAndLoadsNothingFromElsewhere() throws Exception {
        try (Chromium chromium = Chromium.start()) {
            WebDriver driver = chromium.driver();
            driver.get(base() + "/api/docs");

            new WebDriverWait(driver, Duration.ofSeconds(20))
                    .until(d -> !d.findElements(By.cssSelector(".opblock-summary-path")).isEmpty());
            List<String> paths = driver.findElements(By.cssSelector(".opblock-summary-path")).stream()
                    .map(e -> e.getAttribute("data-path")).toList();
            assertThat(paths).contains("/api/token", "/api/totp/login", "/api/me");
            chromium.screenshot("swagger-ui");
            Object loaded = ((JavascriptExecutor) driver).executeScript(
                    "return performance.getEntriesByType('resource').map(e => e.name)");
            assertThat((List<?>) loaded).isNotEmpty()
                    .allSatisfy(url -> assertThat(url.toString()).startsWith(base() + "/"));
        }
    }

    /** The metrics are for the operator: refused without the metrics token; health stays open. */
    @Test
    void prometheusWhenNoOrWrongTokenThenRefusedAndHealthStaysOpen() throws Exception {
        for (String bearer : new String[] { null, "wrong", METRICS_TOKEN + "x", METRICS_TOKEN.substring(1) }) {
            HttpResponse<String> metrics = send("GET", "/actuator/prometheus", bearer, null);

            assertThat(metrics.statusCode()).as("token %s", bearer).isEqualTo(401);
            assertThat(metrics.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"metrics\"");
            assertThat(metrics.body()).doesNotContain("otpgate_security_events_total", "jvm_info");
        }
        assertThat(send("GET", "/actuator/env", METRICS_TOKEN, null).statusCode()).isEqualTo(403);
        HttpResponse<String> health = send("GET", "/actuator/health", null, null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"");
        assertThat(send("GET", "/actuator/prometheus", METRICS_TOKEN, null).statusCode()).isEqualTo(200);
    }

    @Test
    void whenTheFlowRunsThenCountersCountAndNoLogHoldsASecret(CapturedOutput output) throws Exception {
        User user = users.create(NewUser.named("ops" + System.nanoTime()), PASSWORD);
        assertThat(send("POST", "/api/token", null, "{\"username\":\"" + user.username()
                + "\",\"password\":\"not-the-password-42\"}").statusCode()).isEqualTo(401);
        String access = JSON.readTree(send("POST", "/api/token", null, "{\"username\":\"" + user.username()
                + "\",\"password\":\"" + PASSWORD + "\"}").body()).get("access").stringValue();
        HttpResponse<String> created = send("POST", "/api/totp/create", access, null);
        JsonNode setup = JSON.readTree(created.body());
        String uri = setup.get("otpUrl").stringValue();
        OtpSecret secret = OtpAuthUri.parse(uri).secret();
        String code = Totp.defaults().generate(secret, java.time.Instant.now());
        JsonNode verified = JSON.readTree(send("POST", "/api/totp/login", access, "{\"token\":\"" + code + "\"}")
                .body());
        assertThat(send("GET", "/api/me", verified.get("access").stringValue(), null).statusCode()).isEqualTo(200);

        String metrics = send("GET", "/actuator/prometheus", METRICS_TOKEN, null).body();
        assertThat(metrics).containsPattern("otpgate_security_events_total\\{[^}]*kind=\"LOGIN_FAILED\"[^}]*\\} [1-9]")
                .containsPattern("otpgate_security_events_total\\{[^}]*kind=\"OTP_VERIFIED\"[^}]*\\} [1-9]");

        String accessLog = accessLog();
        assertThat(accessLog).contains("\"POST /api/token HTTP/1.1\" 401", "\"GET /api/me HTTP/1.1\" 200");
        String logs = output.getAll() + accessLog;
        assertThat(logs).doesNotContain(access, verified.get("access").stringValue(),
                verified.get("refresh").stringValue(), uri, secret.exposeBase32(), PASSWORD, "not-the-password-42");
        // Digits alone may occur in a log by chance (a user name here holds nanoTime): the code as a whole number.
        assertThat(logs).doesNotContainPattern("(?<![0-9])" + code + "(?![0-9])");
        for (JsonNode recoveryCode : setup.get("recoveryCodes")) {
            assertThat(logs).doesNotContain(recoveryCode.stringValue());
        }
    }

    private String accessLog() throws IOException {
        try (Stream<Path> files = Files.walk(dataDir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("access")).map(p -> {
                try {
                    return Files.readString(p);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).collect(Collectors.joining());
        }
    }

    private HttpResponse<String> send(String method, String path, String bearer, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }
}
