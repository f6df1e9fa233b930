package io.otpgate.spring.boot;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;

import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.spring.enrolment.TotpSetup;
import io.otpgate.spring.factor.OtpCodes;
import io.otpgate.spring.factor.OtpFactorFilters;
import io.otpgate.spring.factor.OtpgateConfigurer;
import io.otpgate.spring.factor.OtpJwtAuthorities;
import io.otpgate.spring.factor.OtpSessions;
import io.otpgate.spring.factor.PolicyProperties;
import io.otpgate.spring.factor.TrustedBrowserFactor;
import io.otpgate.spring.factor.StepUp;
import io.otpgate.spring.factor.UserKeyResolver;
import io.otpgate.spring.recovery.RecoveryCodeService;
import io.otpgate.spring.recovery.RecoveryProperties;
import io.otpgate.spring.OtpgateLibrary;
import io.otpgate.spring.system.OtpgateSchema;
import io.otpgate.spring.totp.TotpEnrolment;
import io.otpgate.spring.trust.TrustedBrowserCookies;
import io.otpgate.spring.trust.TrustedBrowserProperties;
import io.otpgate.spring.trust.TrustedBrowsers;
import io.otpgate.spring.web.ApiProperties;
import io.otpgate.spring.web.OtpApiController;
import io.otpgate.spring.web.OtpPagesController;
import io.otpgate.spring.web.TrustedBrowserApiController;
import io.otpgate.spring.web.TrustedBrowserPagesController;
import io.otpgate.spring.web.PasskeyApiController;
import io.otpgate.spring.web.PasskeyPages;
import io.otpgate.spring.web.PasskeyScriptController;
import io.otpgate.spring.webauthn.PasskeyAuthentication;
import io.otpgate.spring.webauthn.PasskeyRegistration;
import io.otpgate.spring.webauthn.Passkeys;

/**
 * otpgate in a Spring Boot application with a {@code DataSource} and Spring Security: the library's services on
 * the application's database (otpgate's own tables and history), the one-time-code factor before every
 * authorization rule of every {@code SecurityFilterChain} (a {@code Customizer<HttpSecurity>}), and the pages.
 * {@code otpgate.enabled=false} turns it all off.
 */
@AutoConfiguration(afterName = { "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
    "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration" })
@ConditionalOnClass(DataSource.class)
@ConditionalOnBean(DataSource.class)
@ConditionalOnProperty(prefix = "otpgate", name = "enabled", havingValue = "true", matchIfMissing = true)
@Import(OtpgateLibrary.class)
@EnableConfigurationProperties({ PolicyProperties.class, ApiProperties.class })
public class OtpgateAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Clock otpgateClock() {
        return Clock.systemUTC();
    }

    @Bean
    @ConditionalOnMissingBean
    SecureRandom otpgateSecureRandom() {
        return new SecureRandom();
    }

    /** otpgate's tables, by its own migrations and history, whatever the application does with its schema. */
    @Bean
    InitializingBean otpgateSchema(DataSource dataSource) {
        return () -> OtpgateSchema.migrate(dataSource, false);
    }

    /** Whether a second factor is recent enough for a sensitive action ({@code otpgate.policy.step-up-within}). */
    @Bean
    @ConditionalOnMissingBean
    StepUp otpgateStepUp(PolicyProperties policy, Clock clock) {
        return new StepUp(policy, clock);
    }

    /** Checks a code for an application's own endpoint (one that mints a token with {@code OtpJwtClaims}). */
    @Bean
    OtpCodes otpCodes(Accounts accounts, VerificationService verification) {
        return new OtpCodes(accounts, verification);
    }

    /**
     * In a resource server (an application with its own JWTs): the factor comes from the token's
     * {@code otp_device_id}, while that device exists. An application that defines its own
     * {@code JwtAuthenticationConverter} sets {@code OtpJwtAuthorities} on it itself.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(JwtAuthenticationConverter.class)
    static class Tokens {

        @Bean
        @ConditionalOnMissingBean
        JwtAuthenticationConverter otpgateJwtAuthenticationConverter(Accounts accounts, DeviceService devices) {
            JwtAuthenticationConverter converter = new JwtAuthenticationConverter();
            converter.setJwtGrantedAuthoritiesConverter(
                    new OtpJwtAuthorities(new JwtGrantedAuthoritiesConverter(), accounts, devices));
            return converter;
        }
    }

    /** The factor and the pages, in a servlet application with Spring Security. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(HttpSecurity.class)
    static class Web {

        /** The user key of an {@code Authentication}: its name, unless the application defines its own. */
        @Bean
        @ConditionalOnMissingBean
        UserKeyResolver otpgateUserKeyResolver() {
            return Authentication::getName;
        }

        @Bean
        OtpSessions otpSessions(UserKeyResolver userKeys, Accounts accounts) {
            return new OtpSessions(userKeys, accounts);
        }

        /** "Don't ask again on this browser": its cookie, and the factor it grants ({@code FACTOR_OTP_REMEMBERED}). */
        @Bean
        TrustedBrowserFactor otpgateTrustedBrowserFactor(TrustedBrowsers browsers, TrustedBrowserProperties properties,
                Accounts accounts, Clock clock) {
            return new TrustedBrowserFactor(browsers, new TrustedBrowserCookies(properties), accounts, clock);
        }

        @Bean
        OtpFactorFilters otpFactorFilters(Accounts accounts, DeviceService devices, PolicyProperties policy,
                ApiProperties api, UserKeyResolver userKeys, TrustedBrowserFactor trustedBrowsers) {
            Set<String> apiOpen = Stream.concat(OtpApiController.OPEN.stream(), PasskeyApiController.OPEN.stream())
                    .map(path -> api.prefix() + path)
                    .collect(Collectors.toUnmodifiableSet());
            return new OtpFactorFilters(accounts, devices, policy, apiOpen, userKeys, trustedBrowsers);
        }

        /**
         * Applied by Spring Security to every {@code HttpSecurity} it builds (the application's chains and Spring
         * Boot's default one): the factor is checked before the application's authorization rules. With
         * {@code otpgate.security.automatic=false} the application applies {@code OtpgateConfigurer} to chosen
         * chains itself.
         */
        @Bean
        @ConditionalOnProperty(prefix = "otpgate.security", name = "automatic", havingValue = "true",
                matchIfMissing = true)
        Customizer<HttpSecurity> otpgateFactor() {
            return http -> http.with(OtpgateConfigurer.otpgate(), Customizer.withDefaults());
        }

        @Bean
        OtpApiController otpApiController(Accounts accounts, DeviceService devices,
                VerificationService verification, TotpSetup setup, RecoveryCodeService recoveryCodes,
                RecoveryProperties recovery, OtpSessions sessions, Clock clock, TrustedBrowserFactor trustedBrowsers,
                StepUp stepUp, ApiProperties api) {
            return new OtpApiController(accounts, devices, verification, setup, recoveryCodes, recovery, sessions,
                    clock, trustedBrowsers, stepUp, api);
        }

        @Bean
        OtpPagesController otpPagesController(Accounts accounts, DeviceService devices,
                VerificationService verification, TotpEnrolment enrolment, RecoveryCodeService recoveryCodes,
                RecoveryProperties recovery, OtpSessions sessions, Clock clock, TrustedBrowserFactor trustedBrowsers,
                StepUp stepUp) {
            return new OtpPagesController(accounts, devices, verification, enrolment, recoveryCodes, recovery,
                    sessions, clock, trustedBrowsers, stepUp);
        }

        @Bean
        TrustedBrowserPagesController otpTrustedBrowserPagesController(Accounts accounts, OtpSessions sessions,
                TrustedBrowserFactor trustedBrowsers) {
            return new TrustedBrowserPagesController(accounts, sessions, trustedBrowsers);
        }

        @Bean
        TrustedBrowserApiController otpTrustedBrowserApiController(Accounts accounts, OtpSessions sessions,
                TrustedBrowserFactor trustedBrowsers) {
            return new TrustedBrowserApiController(accounts, sessions, trustedBrowsers);
        }

        /** Passkeys in the pages and the JSON API: the ceremonies, the pages' script, and what the pages show. */
        @Bean
        PasskeyApiController otpPasskeyApiController(Accounts accounts, DeviceService devices,
                PasskeyRegistration registration, PasskeyAuthentication authentication, OtpSessions sessions,
                Clock clock, StepUp stepUp, ApiProperties api) {
            return new PasskeyApiController(accounts, devices, registration, authentication, sessions, clock, stepUp,
                    api);
        }

        @Bean
        PasskeyScriptController otpPasskeyScriptController() {
            return new PasskeyScriptController();
        }

        @Bean
        PasskeyPages otpPasskeyPages(Accounts accounts, Passkeys passkeys, OtpSessions sessions, ApiProperties api) {
            return new PasskeyPages(accounts, passkeys, sessions, api);
        }
    }
}
