package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.openqa.selenium.virtualauthenticator.Credential;
import org.openqa.selenium.virtualauthenticator.HasVirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import io.otpgate.browser.Chromium;
import io.otpgate.server.system.TestDatabases;
import io.otpgate.server.user.NewUser;
import io.otpgate.server.user.User;
import io.otpgate.server.user.UserService;
import io.otpgate.spring.webauthn.WebAuthnRefusal;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API's passkey ceremonies driven by a small page in a real headless Chromium with a WebDriver virtual
 * authenticator: the page (served by the test only, from {@code src/test/resources/passkey-page}, on the API's own
 * origin {@code http://localhost:<port>}) logs in with the password, adds a passkey, logs in again and proves the
 * second factor with it, and sends its last answer again, which is refused; another user's passkey and a copy of
 * the authenticator whose counter went backwards are refused too. A page on an origin that is not allowed:
 * {@link PasskeyApiInChromiumWrongOriginTest}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "otpgate.login.free-failures-per-address=1000" })
@Import(PasskeyApiInChromiumTest.Page.class)
class PasskeyApiInChromiumTest {

    static final String PASSWORD = "correct horse battery";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort int port;
    @Autowired UserService users;
    @Autowired JdbcClient jdbc;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabases.h2(registry);
    }

    /** The test page, open to all, and only in this test. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Page implements WebMvcConfigurer {

        @Override
        public void addResourceHandlers(ResourceHandlerRegistry registry) {
            registry.addResourceHandler("/passkey-page/**").addResourceLocations("classpath:/passkey-page/");
        }

        @Bean
        @Order(0)
        SecurityFilterChain passkeyPage(HttpSecurity http) throws Exception {
            return http.securityMatcher("/passkey-page/**")
                    .authorizeHttpRequests(a -> a.anyRequest().permitAll())
                    .headers(h -> h.contentSecurityPolicy(c -> c.policyDirectives(
                            "default-src 'none'; script-src 'self'; connect-src 'self'")))
                    .build();
        }
    }

    @Test
    void pageWhenPasskeyAddedThenSecondFactorByPasskeyGivesTokenPairAndReplayIsRefused() throws Exception {
        User user = users.create(NewUser.named("chromium-" + System.nanoTime() % 100000), PASSWORD);
        try (Chromium chromium = Chromium.start()) {
            WebDriver driver = chromium.driver();
            VirtualAuthenticator authenticator = virtualAuthenticator(driver);
            driver.get("http://localhost:" + port + "/passkey-page/index.html");
            driver.findElement(By.id("username")).sendKeys(user.username());
            driver.findElement(By.id("password")).sendKeys(PASSWORD);

            JsonNode password = click(driver, "password-login", "password", 200);
            JsonNode registered = click(driver, "register", "register", 201);
            assertThat(registered.get("id").stringValue()).startsWith("webauthn/");
            assertThat(registered.get("name").stringValue()).isEqualTo("This browser");
            assertThat(registered.get("user_verified").booleanValue()).isTrue();
            assertThat(authenticator.getCredentials()).hasSize(1);

            JsonNode again = click(driver, "password-login", "password", 200);
            assertThat(again.get("access").stringValue()).isNotEqualTo(password.get("access").stringValue());
            JsonNode pair = click(driver, "passkey-login", "passkey", 200);
            chromium.screenshot("api-passkey-page");

            JsonNode claims = payload(pair.get("access").stringValue());
            List<String> amr = new ArrayList<>();
            claims.get("amr").forEach(m -> amr.add(m.stringValue()));
            assertThat(amr).startsWith("pwd").endsWith("mfa").contains("user");
            assertThat(amr).containsAnyOf("hwk", "swk");
            assertThat(claims.get("otp_device_id").stringValue()).isEqualTo(registered.get("id").stringValue());
            assertThat(claims.get("user_id").longValue()).isEqualTo(user.id());
            assertThat(pair.get("refresh").stringValue()).isNotEmpty();

            JsonNode replayed = click(driver, "replay", "replay", 400);
            assertThat(replayed.get("code").stringValue()).isEqualTo("challenge_unknown");
            assertThat(replayed.has("access")).isFalse();
        }
    }

    @Test
    void pageWhenBrowserAnswersOneUsersRequestWithAnotherUsersPasskeyThenUnknownCredentialAndNothingChanged()
            throws Exception {
        User alice = users.create(NewUser.named("alice-" + System.nanoTime() % 100000), PASSWORD);
        User bob = users.create(NewUser.named("bob-" + System.nanoTime() % 100000), PASSWORD);
        try (Chromium chromium = Chromium.start()) {
            WebDriver driver = chromium.driver();
            VirtualAuthenticator authenticator = virtualAuthenticator(driver);
            driver.get("http://localhost:" + port + "/passkey-page/index.html");
            logIn(driver, alice);
            click(driver, "register", "register", 201);
            byte[] alicesPasskey = authenticator.getCredentials().get(0).getId();
            // Bob has a passkey of his own (in the same authenticator): without one he gets no request options.
            logIn(driver, bob);
            click(driver, "register", "register", 201);
            assertThat(authenticator.getCredentials()).hasSize(2);
            logIn(driver, bob);
            Map<String, Object> before = passkeyState(jdbc, alice.id(), bob.id());

            // Someone who knows Bob's password and holds Alice's passkey (say Alice): the page asks for Bob's
            // request options, then has the browser sign Bob's fresh challenge with Alice's passkey (the browser
            // uses only credentials in allowCredentials, so the page names hers there) and sends the answer with
            // Bob's token. Challenge, origin and signature are all valid: only the server's check that the
            // credential is Bob's refuses it. (Alice's challenge under Bob's token would stop at the challenge.)
            driver.findElement(By.id("allow")).sendKeys(Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(alicesPasskey));
            JsonNode refused = click(driver, "passkey-login-with", "passkey", 400);

            assertRefused(refused, WebAuthnRefusal.UNKNOWN_CREDENTIAL);
            assertThat(passkeyState(jdbc, alice.id(), bob.id())).isEqualTo(before);
            // Bob's own passkey still proves his second factor: the refusal was about the credential only.
            JsonNode pair = click(driver, "passkey-login", "passkey", 200);
            assertThat(payload(pair.get("access").stringValue()).get("user_id").longValue()).isEqualTo(bob.id());
        }
    }

    @Test
    void pageWhenCopyOfAuthenticatorSignsWithCounterBehindTheStoredOneThenCounterNotIncreasedAndNothingChanged()
            throws Exception {
        User user = users.create(NewUser.named("clone-" + System.nanoTime() % 100000), PASSWORD);
        try (Chromium chromium = Chromium.start()) {
            WebDriver driver = chromium.driver();
            VirtualAuthenticator authenticator = virtualAuthenticator(driver);
            driver.get("http://localhost:" + port + "/passkey-page/index.html");
            logIn(driver, user);
            click(driver, "register", "register", 201);
            // A copy of the authenticator taken now (its private key and counter), used after the original.
            Credential copy = authenticator.getCredentials().get(0);
            logIn(driver, user);
            click(driver, "passkey-login", "passkey", 200);
            click(driver, "passkey-login", "passkey", 200);
            long stored = jdbc.sql("select sign_count from otpgate_webauthn_device where account_id = ?")
                    .param(user.id()).query(Long.class).single();
            assertThat(stored).as("the counter the original reached").isPositive()
                    .isEqualTo(authenticator.getCredentials().get(0).getSignCount())
                    .isGreaterThan(copy.getSignCount() + 1L);
            Map<String, Object> before = passkeyState(jdbc, user.id());

            authenticator.removeCredential(copy.getId());
            authenticator.addCredential(Credential.createResidentCredential(copy.getId(), copy.getRpId(),
                    copy.getPrivateKey(), copy.getUserHandle(), copy.getSignCount()));
            JsonNode refused = click(driver, "passkey-login", "passkey", 400);

            assertRefused(refused, WebAuthnRefusal.COUNTER_NOT_INCREASED);
            assertThat(passkeyState(jdbc, user.id())).isEqualTo(before);
        }
    }

    /** A virtual authenticator as a phone's or laptop's: a passkey (resident key) and user verification. */
    static VirtualAuthenticator virtualAuthenticator(WebDriver driver) {
        return ((HasVirtualAuthenticator) driver).addVirtualAuthenticator(
                new VirtualAuthenticatorOptions().setProtocol(VirtualAuthenticatorOptions.Protocol.CTAP2)
                        .setTransport(VirtualAuthenticatorOptions.Transport.INTERNAL).setHasResidentKey(true)
                        .setHasUserVerification(true).setIsUserVerified(true));
    }

    /** Logs the user in with the password on the page: its token (password only) is the one the page then uses. */
    static JsonNode logIn(WebDriver driver, User user) {
        WebElement username = driver.findElement(By.id("username"));
        username.clear();
        username.sendKeys(user.username());
        WebElement password = driver.findElement(By.id("password"));
        password.clear();
        password.sendKeys(PASSWORD);
        return click(driver, "password-login", "password", 200);
    }

    /** The API's refusal of a passkey answer, as the page received it: the reason's code and message, no tokens. */
    static void assertRefused(JsonNode body, WebAuthnRefusal reason) {
        assertThat(body.get("code").stringValue()).as("%s", body).isEqualTo(reason.name().toLowerCase());
        assertThat(body.get("detail").stringValue()).isEqualTo(reason.message());
        assertThat(body.has("access")).isFalse();
        assertThat(body.has("refresh")).isFalse();
    }

    /** What a passkey's use writes: the users' passkeys (counter, last use, flags) and accounts (last proof). */
    static Map<String, Object> passkeyState(JdbcClient jdbc, long... accountIds) {
        List<Long> ids = LongStream.of(accountIds).boxed().toList();
        return Map.of("devices", jdbc.sql("select id, account_id, sign_count, last_used_at, uv_at_last_use, "
                + "backed_up from otpgate_webauthn_device where account_id in (:ids) order by id")
                .param("ids", ids).query().listOfRows(),
                "accounts", jdbc.sql("select id, failure_count, locked_at, last_verified_at from otpgate_account "
                        + "where id in (:ids) order by id").param("ids", ids).query().listOfRows());
    }

    /** Clicks a button of the page and waits for its answer: the API's status and body. */
    static JsonNode click(WebDriver driver, String button, String step, int status) {
        WebElement result = driver.findElement(By.id("result"));
        String before = result.getAttribute("data-seq");
        driver.findElement(By.id(button)).click();
        new WebDriverWait(driver, Duration.ofSeconds(20))
                .until(d -> !before.equals(d.findElement(By.id("result")).getAttribute("data-seq")));
        JsonNode answer = JSON.readTree(result.getText());
        assertThat(result.getAttribute("data-step")).isEqualTo(step);
        assertThat(answer.get("status").intValue()).as("%s: %s", step, answer).isEqualTo(status);
        return answer.get("body");
    }

    static JsonNode payload(String jwt) {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }
}
