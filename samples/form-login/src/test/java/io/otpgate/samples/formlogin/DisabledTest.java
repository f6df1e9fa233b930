package io.otpgate.samples.formlogin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.ApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.test.web.servlet.MockMvc;

import io.otpgate.spring.device.VerificationService;
import io.otpgate.spring.notify.Notifications;

/** {@code otpgate.enabled=false}: no otpgate bean, no page, and the application as it was (admins not sent to enrol). */
@SpringBootTest(properties = "otpgate.enabled=false")
@AutoConfigureMockMvc
class DisabledTest {

    @Autowired MockMvc mvc;
    @Autowired ApplicationContext context;

    @Test
    void disabledThenNothingOfOtpgate() throws Exception {
        assertThat(context.getBeanNamesForType(VerificationService.class)).isEmpty();
        assertThat(context.getBeanNamesForType(Notifications.class)).isEmpty();
        MockHttpSession admin = (MockHttpSession) mvc.perform(post("/login").with(csrf()).param("username", "admin")
                .param("password", "admin-password")).andReturn().getRequest().getSession();

        assertThat(mvc.perform(get("/admin").session(admin).accept(MediaType.TEXT_HTML)).andReturn().getResponse()
                .getStatus()).isEqualTo(200);
        assertThat(mvc.perform(get("/otp/setup").session(admin).accept(MediaType.TEXT_HTML)).andReturn()
                .getResponse().getStatus()).isEqualTo(404);
    }
}
