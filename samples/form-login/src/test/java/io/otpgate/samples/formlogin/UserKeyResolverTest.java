package io.otpgate.samples.formlogin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mock.web.MockHttpSession;
import org.springframework.test.web.servlet.MockMvc;

import io.otpgate.spring.factor.UserKeyResolver;

/**
 * An application's own {@code UserKeyResolver} bean names the accounts, instead of {@code Authentication.getName()};
 * a key with a ':' still makes a valid otpauth label.
 */
@SpringBootTest(properties = "otpgate.secrets.keys=1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=")
@AutoConfigureMockMvc
class UserKeyResolverTest {

    @Autowired MockMvc mvc;
    @Autowired JdbcClient jdbc;

    @TestConfiguration
    static class Keys {
        @Bean
        UserKeyResolver userKeys() {
            return authentication -> "employee:" + authentication.getName();
        }
    }

    @Test
    void setupWhenResolverBeanThenTheAccountIsNamedByIt() throws Exception {
        MockHttpSession session = (MockHttpSession) mvc.perform(post("/login").with(csrf())
                .param("username", "bob").param("password", "bob-password")).andReturn().getRequest().getSession();

        String page = mvc.perform(get("/otp/setup").session(session).accept(MediaType.TEXT_HTML)).andReturn()
                .getResponse().getContentAsString();

        assertThat(org.jsoup.Jsoup.parse(page).getElementById("otpauth-link").attr("href"))
                .as("a ':' would end the issuer in the label").contains(":employee_bob?");
        assertThat(jdbc.sql("select user_key from otpgate_account").query(String.class).list())
                .containsExactly("employee:bob");
    }
}
