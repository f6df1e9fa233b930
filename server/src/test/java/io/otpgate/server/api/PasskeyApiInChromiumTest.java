package io.otpgate.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.openqa.selenium.virtualauthenticator.HasVirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API's passkey ceremonies driven by a small page in a real headless Chromium with a WebDriver virtual
 * authenticator: the page (served by the test only, from {@code src/test/resources/passkey-page}, on the API's own
 * origin {@code http://localhost:<port>}) logs in with the password, adds a passkey, logs in again and proves the
 * second factor with it, and sends its last answer again, which is refused.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "otpgate.login.free-failures-per-address=1000" })
@Import(PasskeyApiInChromiumTest.Page.class)
class PasskeyApiInChromiumTest {

    private static final String PASSWORD = "correct horse battery";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort int port;
    @Autowired UserService users;

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
            VirtualAuthenticator authenticator = ((HasVirtualAuthenticator) driver).addVirtualAuthenticator(
                    new VirtualAuthenticatorOptions().setProtocol(VirtualAuthenticatorOptions.Protocol.CTAP2)
                            .setTransport(VirtualAuthenticatorOptions.Transport.INTERNAL).setHasResidentKey(true)
                            .setHasUserVerification(true).setIsUserVerified(true));
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

    /** Clicks a button of the page and waits for its answer: the API's status and body. */
    private static JsonNode click(WebDriver driver, String button, String step, int status) {
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

    private static JsonNode payload(String jwt) {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }
}
