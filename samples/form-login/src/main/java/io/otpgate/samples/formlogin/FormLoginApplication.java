package io.otpgate.samples.formlogin;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * An application written without otpgate in mind: its own users (in memory), form login, a page for everyone and
 * one for admins. It adds only the starter to its dependencies and one property (admins must enrol).
 */
@SpringBootApplication
public class FormLoginApplication {

    public static void main(String[] args) {
        SpringApplication.run(FormLoginApplication.class, args);
    }

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        return http
                .authorizeHttpRequests(rules -> rules.requestMatchers("/admin/**").hasRole("ADMIN")
                        .anyRequest().authenticated())
                .formLogin(Customizer.withDefaults())
                .logout(Customizer.withDefaults())
                .build();
    }

    /** The sample's users; "{noop}" keeps the sample short: a real application stores password hashes. */
    @Bean
    UserDetailsService users() {
        return new InMemoryUserDetailsManager(
                User.withUsername("alice").password("{noop}alice-password").roles("USER").build(),
                User.withUsername("bob").password("{noop}bob-password").roles("USER").build(),
                User.withUsername("carol").password("{noop}carol-password").roles("USER").build(),
                User.withUsername("dave").password("{noop}dave-password").roles("USER").build(),
                User.withUsername("erin").password("{noop}erin-password").roles("USER").build(),
                User.withUsername("frank").password("{noop}frank-password").roles("USER").build(),
                User.withUsername("grace").password("{noop}grace-password").roles("USER").build(),
                User.withUsername("admin").password("{noop}admin-password").roles("USER", "ADMIN").build(),
                User.withUsername("admin2").password("{noop}admin2-password").roles("USER", "ADMIN").build());
    }
}
