package io.otpgate.server.admin;

import java.time.Clock;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.authorization.AuthorizationManagerFactories;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.authority.FactorGrantedAuthority;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandlerImpl;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;

import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.SessionVersions;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.server.login.LoginThrottle;
import io.otpgate.server.user.UserRepository;
import io.otpgate.server.user.UserService;
import jakarta.servlet.DispatcherType;

/**
 * The admin panel ({@code /admin/**}): a session, CSRF tokens on every form, and every page but the login behind
 * both factors. The login ({@link AdminLogin}) grants Spring Security 7 factor authorities, {@code FACTOR_PASSWORD}
 * and {@link #OTP_AUTHORITY}, plus {@code ROLE_STAFF}; each page requires all three (the per-rule
 * {@code multiFactor()} factory, so the login page itself stays open).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
@EnableConfigurationProperties(AdminProperties.class)
class AdminSecurityConfiguration {

    /** The factor a verified one-time code grants. */
    static final String OTP_AUTHORITY = "FACTOR_OTP";

    /**
     * Scripts, styles and images from this server only (no inline script, no eval: the one script is the passkey
     * ceremonies' admin.js, which calls back only this server), the QR code inline, no framing.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; connect-src 'self'; "
            + "style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    @Bean
    @Order(2)
    SecurityFilterChain adminSecurity(HttpSecurity http, SecurityContextRepository adminSecurityContexts,
            UserRepository users, DeviceService devices, SessionVersions sessions, AdminProperties properties,
            Clock clock) throws Exception {
        // Not a bean: Spring Boot would register a filter bean for every path as well.
        AdminSessionGuard guard = new AdminSessionGuard(users, devices, sessions, properties, clock);
        AuthorizationManager<RequestAuthorizationContext> staffWithBothFactors = AuthorizationManagerFactories
                .<RequestAuthorizationContext>multiFactor()
                .requireFactors(FactorGrantedAuthority.PASSWORD_AUTHORITY, OTP_AUTHORITY)
                .build()
                .hasRole("STAFF");
        AccessDeniedHandlerImpl denied = new AccessDeniedHandlerImpl();
        denied.setErrorPage(AdminPaths.DENIED);
        http.securityMatcher("/admin", "/admin/**")
                .securityContext(c -> c.securityContextRepository(adminSecurityContexts))
                .authorizeHttpRequests(a -> a
                        .dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.FORWARD).permitAll()
                        .requestMatchers(AdminPaths.LOGIN, AdminPaths.DENIED, AdminPaths.STATIC,
                                AdminPaths.LOGIN_PASSKEY_OPTIONS, AdminPaths.LOGIN_PASSKEY).permitAll()
                        .anyRequest().access(staffWithBothFactors))
                .exceptionHandling(e -> e
                        .authenticationEntryPoint(new LoginUrlAuthenticationEntryPoint(AdminPaths.LOGIN))
                        .accessDeniedHandler(denied))
                .requestCache(c -> c.disable())
                .logout(l -> l.logoutUrl(AdminPaths.LOGOUT).logoutSuccessUrl(AdminPaths.LOGIN + "?logout=1"))
                .headers(h -> h
                        .contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY))
                        .frameOptions(f -> f.deny())
                        .referrerPolicy(r -> r.policy(ReferrerPolicy.NO_REFERRER)))
                .addFilterBefore(guard, AuthorizationFilter.class);
        return http.build();
    }

    @Bean
    SecurityContextRepository adminSecurityContexts() {
        return new HttpSessionSecurityContextRepository();
    }

    @Bean
    AdminLogin adminLogin(UserService users, DeviceService devices, VerificationService verification,
            SessionVersions sessions, LoginThrottle throttle, Clock clock) {
        return new AdminLogin(users, devices, verification, sessions, throttle, clock);
    }
}
