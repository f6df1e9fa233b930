package io.otpgate.samples.jwtapi;

import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * A REST API written without otpgate in mind: its own users, {@code POST /api/token} that mints its own JWTs with
 * Spring's {@code JwtEncoder}, and a resource server for everything else. With the starter it adds one endpoint,
 * {@code POST /api/token/otp}, that checks a code ({@code OtpCodes}) and mints a token with the factor's claims
 * ({@code OtpJwtClaims}); the starter reads them back on every request.
 */
@SpringBootApplication
public class JwtApiApplication {

    public static void main(String[] args) {
        SpringApplication.run(JwtApiApplication.class, args);
    }

    @Bean
    SecurityFilterChain api(HttpSecurity http) throws Exception {
        return http
                .authorizeHttpRequests(rules -> rules.requestMatchers(HttpMethod.POST, "/api/token").permitAll()
                        .anyRequest().authenticated())
                .oauth2ResourceServer(server -> server.jwt(Customizer.withDefaults()))
                .sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                // Tokens in a header, no cookies: nothing for a cross-site request to ride on.
                .csrf(csrf -> csrf.disable())
                .build();
    }

    /** The sample's users; "{noop}" keeps it short: a real application stores password hashes. */
    @Bean
    UserDetailsService users() {
        return new InMemoryUserDetailsManager(
                User.withUsername("alice").password("{noop}alice-password").roles("USER").build(),
                User.withUsername("bob").password("{noop}bob-password").roles("USER").build());
    }

    @Bean
    AuthenticationManager authenticationManager(UserDetailsService users) {
        DaoAuthenticationProvider provider = new DaoAuthenticationProvider(users);
        provider.setPasswordEncoder(PasswordEncoderFactories.createDelegatingPasswordEncoder());
        return new ProviderManager(provider);
    }

    /**
     * The signing key: {@code sample.jwt.key} (32 bytes in Base64, the same on every instance), or one made at start
     * (tokens then die with the process).
     */
    @Bean
    SecretKey tokenKey(@Value("${sample.jwt.key:}") String configured) {
        byte[] key = new byte[32];
        if (configured.isBlank()) {
            new SecureRandom().nextBytes(key);
        } else {
            key = Base64.getDecoder().decode(configured);
        }
        return new SecretKeySpec(key, "HmacSHA256");
    }

    @Bean
    JwtEncoder jwtEncoder(SecretKey tokenKey) {
        return NimbusJwtEncoder.withSecretKey(tokenKey).algorithm(MacAlgorithm.HS256).build();
    }

    @Bean
    JwtDecoder jwtDecoder(SecretKey tokenKey) {
        return NimbusJwtDecoder.withSecretKey(tokenKey).macAlgorithm(MacAlgorithm.HS256).build();
    }
}
