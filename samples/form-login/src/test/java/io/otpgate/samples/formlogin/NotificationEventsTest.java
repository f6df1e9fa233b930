package io.otpgate.samples.formlogin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.event.EventListener;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.spring.notify.NotificationRecipients;
import io.otpgate.spring.notify.SecurityNotification;
import io.otpgate.spring.notify.SecurityNotification.Kind;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An application that adds the starter hears of its users' second factor through {@code SecurityNotification}
 * events (to send them its own way): turned on, a recovery code used with the codes left, turned off. Without
 * {@code spring.mail.host} (and without Spring's mail support on its classpath) nothing is mailed.
 */
@SpringBootTest(properties = "otpgate.secrets.keys=1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=")
@AutoConfigureMockMvc
@Import({ FormLoginWithOtpTest.Clocks.class, NotificationEventsTest.Listener.class })
class NotificationEventsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired MockMvc mvc;
    @Autowired FormLoginWithOtpTest.MutableClock clock;
    @Autowired Listener listener;
    @Autowired ApplicationContext context;

    @Test
    void secondFactorOnRecoveryCodeAndOffThenOneEventEachForTheUser() throws Exception {
        clock.set(Instant.parse("2026-12-04T09:00:00Z"));
        MockHttpSession session = login();
        JsonNode created = json(call(post("/otp/api/totp/create"), session, null), 201);
        OtpSecret secret = OtpAuthUri.parse(created.get("otpUrl").asString()).secret();
        json(call(post("/otp/api/totp/login"), session, token(Totp.defaults().generate(secret, clock.instant()))),
                200);
        assertThat(listener.seen).singleElement().satisfies(n -> {
            assertThat(n.kind()).isEqualTo(Kind.SECOND_FACTOR_ADDED);
            assertThat(n.userKey()).isEqualTo("frank");
            assertThat(n.occurredAt()).isEqualTo(clock.instant());
            assertThat(n.clientAddress()).isEqualTo("127.0.0.1");
        });

        clock.advance(Duration.ofMinutes(1));
        MockHttpSession other = login();
        json(call(post("/otp/api/totp/recovery_code/login"), other,
                token(created.get("recoveryCodes").get(0).asString())), 200);
        // A recovery code is not enough to turn 2FA off (step-up): a code from the device is.
        json(call(post("/otp/api/totp/login"), other, token(Totp.defaults().generate(secret, clock.instant()))),
                200);
        json(call(delete("/otp/api/totp/delete"), other, null), 200);

        assertThat(listener.seen).extracting(SecurityNotification::kind).containsExactly(Kind.SECOND_FACTOR_ADDED,
                Kind.RECOVERY_CODE_USED, Kind.SECOND_FACTOR_OFF);
        assertThat(listener.seen.get(1).count()).isEqualTo(4);
        assertThat(listener.seen.get(1).device()).startsWith("static/");
        assertThat(context.getBeanNamesForType(NotificationRecipients.class)).isEmpty();
        assertThat(context.containsBean("mailNotifications")).isFalse();
    }

    private MockHttpSession login() throws Exception {
        MvcResult result = mvc.perform(post("/login").with(csrf()).param("username", "frank")
                .param("password", "frank-password")).andReturn();
        assertThat(result.getResponse().getRedirectedUrl()).doesNotContain("error");
        return (MockHttpSession) result.getRequest().getSession();
    }

    private static String token(String code) {
        return "{\"token\":\"" + code + "\"}";
    }

    private MockHttpServletResponse call(MockHttpServletRequestBuilder request, MockHttpSession session, String body)
            throws Exception {
        request.session(session).with(csrf()).accept(MediaType.APPLICATION_JSON);
        if (body != null) {
            request.contentType(MediaType.APPLICATION_JSON).content(body);
        }
        return mvc.perform(request).andReturn().getResponse();
    }

    private static JsonNode json(MockHttpServletResponse response, int status) throws Exception {
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(status);
        return JSON.readTree(response.getContentAsString());
    }

    /** The application's own listener. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Listener {
        final List<SecurityNotification> seen = new CopyOnWriteArrayList<>();

        @EventListener
        void on(SecurityNotification notification) {
            seen.add(notification);
        }
    }
}
