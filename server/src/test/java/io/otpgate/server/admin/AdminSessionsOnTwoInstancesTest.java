package io.otpgate.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.postgres.ThrowawayPostgres.Database;
import io.otpgate.server.OtpgateApplication;
import io.otpgate.server.system.PostgresTestCluster;
import io.otpgate.server.system.RequiresPostgres;
import io.otpgate.server.system.TestDatabases;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import io.otpgate.spring.totp.TotpEnrolment;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two server instances (two real Tomcats on loopback ports, each with its own connection pool) share one PostgreSQL
 * database, as two instances behind a load balancer without sticky sessions: an admin logs in on one and goes on
 * with the other (a page, a form with its CSRF token, a notice carried across the redirect), a logout on the second
 * ends the session on the first, and the stateless API leaves no session behind. Requests go through a plain HTTP
 * client that sends the cookie it was given, as a browser would.
 */
@RequiresPostgres
class AdminSessionsOnTwoInstancesTest {

    private static final String PASSWORD = "correct horse battery";

    private static ConfigurableApplicationContext first;
    private static ConfigurableApplicationContext second;
    private static Path dataDir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        Database database = PostgresTestCluster.newDatabase();
        dataDir = Files.createTempDirectory("otpgate-two-instances");
        first = start(database, dataDir.resolve("first"));
        second = start(database, dataDir.resolve("second"));
    }

    static ConfigurableApplicationContext start(Database database, Path data) {
        // Command-line arguments: application.properties would override SpringApplicationBuilder's defaults.
        return SpringApplication.run(OtpgateApplication.class, "--spring.datasource.url=" + database.jdbcUrl(),
                "--spring.datasource.username=" + database.username(),
                "--spring.datasource.password=" + database.password(),
                "--otpgate.secrets.keys=" + TestDatabases.TEST_KEYS, "--otpgate.data-dir=" + data,
                "--server.port=0", "--spring.datasource.hikari.maximum-pool-size=4",
                "--logging.level.otpgate.security=WARN");
    }

    @AfterAll
    static void stop() throws Exception {
        for (ConfigurableApplicationContext context : new ConfigurableApplicationContext[] { first, second }) {
            if (context != null) {
                context.close();
            }
        }
        if (dataDir != null) {
            try (var files = Files.walk(dataDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void loginOnOneInstanceContinuesOnTheOtherAndALogoutOnEitherEndsItOnBoth() throws Exception {
        User admin = first.getBean(UserService.class).create(new NewUser("two-" + System.nanoTime() % 100000, "", "",
                "", true, true), PASSWORD);
        OtpSecret secret = first.getBean(TotpEnrolment.class).enrol(admin, "phone", true, null).uri().secret();

        // The login page on the first instance: a session for its CSRF token.
        HttpResponse<String> loginPage = send(first, "GET", "/admin/login", null, null);
        String anonymous = sessionCookie(loginPage);
        String code = Totp.defaults().generate(secret, Instant.now());
        HttpResponse<String> login = send(first, "POST", "/admin/login", anonymous, form(csrf(loginPage), "username",
                admin.username(), "password", PASSWORD, "code", code));
        assertThat(login.statusCode()).as(login.body()).isEqualTo(302);
        assertThat(location(login)).isEqualTo("/admin/");
        String setCookie = login.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("SESSION=")).findFirst().orElseThrow();
        // The cookie keeps the panel's attributes under Spring Session's serializer: script cannot read it, other
        // sites' pages never send it, and it ends with the browser (no Max-Age, no Expires).
        assertThat(setCookie).contains("HttpOnly", "SameSite=Strict", "Path=/").doesNotContain("Max-Age", "Expires");
        String session = sessionCookie(login);
        assertThat(session).as("a new session id at login").isNotEqualTo(anonymous);
        assertThat(send(first, "GET", "/admin/", anonymous, null).statusCode()).as("the old session").isEqualTo(302);

        // The second instance serves the same session: a page, then a form with the page's CSRF token.
        HttpResponse<String> home = send(second, "GET", "/admin/", session, null);
        assertThat(home.statusCode()).isEqualTo(200);
        assertThat(Jsoup.parse(home.body()).select("header .who").text()).contains(admin.username());
        assertThat(home.body()).doesNotContainIgnoringCase("jsessionid").doesNotContain(decoded(session));
        HttpResponse<String> newUser = send(second, "GET", "/admin/users/new", session, null);
        String created = "made-on-second-" + System.nanoTime() % 100000;
        assertThat(send(second, "POST", "/admin/users/new", session, form("", "username", created, "password",
                "another horse 123", "password2", "another horse 123")).statusCode())
                .as("a form without its CSRF token").isEqualTo(403);
        HttpResponse<String> posted = send(second, "POST", "/admin/users/new", session, form(csrf(newUser),
                "username", created, "password", "another horse 123", "password2", "another horse 123"));
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(302);
        User made = first.getBean(UserService.class).require(created);
        assertThat(location(posted)).isEqualTo("/admin/users/" + made.id());
        // The notice waits in the session across the redirect, which the first instance follows.
        HttpResponse<String> shown = send(first, "GET", "/admin/users/" + made.id(), session, null);
        assertThat(shown.statusCode()).isEqualTo(200);
        assertThat(Jsoup.parse(shown.body()).select(".notice").text()).contains("User " + created + " was created.");

        // The database holds the username and no secret: not the password, not the code.
        JdbcClient jdbc = first.getBean(JdbcClient.class);
        assertThat(jdbc.sql("select principal_name from spring_session where session_id = ?")
                .param(decoded(session)).query(String.class).single()).isEqualTo(admin.username());
        for (byte[] bytes : jdbc.sql("select attribute_bytes from spring_session_attributes").query(byte[].class)
                .list()) {
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            assertThat(text).doesNotContain(PASSWORD, "another horse 123", secret.exposeBase32());
        }

        // A logout on the second instance ends the session on the first.
        HttpResponse<String> out = send(second, "POST", "/admin/logout", session, form(csrf(shown)));
        assertThat(out.statusCode()).isEqualTo(302);
        assertThat(location(out)).isEqualTo("/admin/login?logout=1");
        HttpResponse<String> after = send(first, "GET", "/admin/", session, null);
        assertThat(after.statusCode()).isEqualTo(302);
        assertThat(location(after)).isEqualTo("/admin/login");
        assertThat(jdbc.sql("select count(*) from spring_session where session_id = ?").param(decoded(session))
                .query(Long.class).single()).isZero();
    }

    @Test
    void theApiMakesNoSession() throws Exception {
        User user = first.getBean(UserService.class).create(NewUser.named("api-" + System.nanoTime()), PASSWORD);
        JdbcClient jdbc = first.getBean(JdbcClient.class);
        long before = jdbc.sql("select count(*) from spring_session").query(Long.class).single();
        JsonMapper json = JsonMapper.builder().build();
        for (int i = 0; i < 10; i++) {
            ConfigurableApplicationContext instance = i % 2 == 0 ? first : second;
            HttpResponse<String> token = send(instance, "POST", "/api/token", null, "{\"username\":\""
                    + user.username() + "\",\"password\":\"" + PASSWORD + "\"}");
            assertThat(token.statusCode()).isEqualTo(200);
            String access = json.readTree(token.body()).get("access").stringValue();
            HttpResponse<String> me = http.send(request(instance, "/api/me").header("Authorization", "Bearer " + access)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(me.statusCode()).isEqualTo(200);
            HttpResponse<String> refused = send(instance, "GET", "/api/me", null, null);
            assertThat(refused.statusCode()).isEqualTo(401);
            for (HttpResponse<String> answer : List.of(token, me, refused)) {
                assertThat(answer.headers().allValues("Set-Cookie")).as(answer.uri().toString()).isEmpty();
            }
        }
        assertThat(jdbc.sql("select count(*) from spring_session").query(Long.class).single()).isEqualTo(before);
    }

    private HttpResponse<String> send(ConfigurableApplicationContext instance, String method, String path,
            String sessionCookie, String body) throws Exception {
        HttpRequest.Builder request = request(instance, path);
        if (sessionCookie != null) {
            request.header("Cookie", "SESSION=" + sessionCookie);
        }
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", body.startsWith("{") ? "application/json"
                    : "application/x-www-form-urlencoded");
            request.method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(ConfigurableApplicationContext instance, String path) {
        int port = instance.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
    }

    /** Where a redirect goes: path and query (Tomcat makes the header absolute). */
    private static String location(HttpResponse<String> response) {
        URI location = URI.create(response.headers().firstValue("Location").orElseThrow());
        return location.getRawPath() + (location.getRawQuery() == null ? "" : "?" + location.getRawQuery());
    }

    /** The value of the session cookie the response sets. */
    private static String sessionCookie(HttpResponse<String> response) {
        return response.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("SESSION="))
                .map(c -> c.substring("SESSION=".length(), c.indexOf(';'))).findFirst().orElseThrow();
    }

    private static String decoded(String cookie) {
        return new String(java.util.Base64.getDecoder().decode(cookie), StandardCharsets.UTF_8);
    }

    /** The CSRF token of the page's first form. */
    private static String csrf(HttpResponse<String> page) {
        Document html = Jsoup.parse(page.body());
        String token = html.select("form[method=post] input[name=_csrf]").attr("value");
        assertThat(token).as("a CSRF token on %s", page.uri()).isNotBlank();
        return token;
    }

    /** A form body: the CSRF token (none if empty), then names and values. */
    private static String form(String csrf, String... fields) {
        StringBuilder body = new StringBuilder(csrf.isEmpty() ? "" : "_csrf=" + encode(csrf));
        for (int i = 0; i < fields.length; i += 2) {
            body.append(body.isEmpty() ? "" : "&").append(encode(fields[i])).append('=').append(encode(fields[i + 1]));
        }
        return body.toString();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
