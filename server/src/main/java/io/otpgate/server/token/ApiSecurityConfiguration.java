package io.otpgate.server.token;

import java.io.IOException;
import java.util.Map;
import java.util.stream.Stream;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.authorization.AuthorizationManagerFactories;
import org.springframework.security.authorization.AuthorizationManagers;
import org.springframework.security.authorization.DefaultAuthorizationManagerFactory;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.authentication.Http403ForbiddenEntryPoint;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.security.web.firewall.HttpStatusRequestRejectedHandler;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

import io.otpgate.server.system.JsonOnlyFilter;
import io.otpgate.server.system.MetricsAccess;
import io.otpgate.server.system.MetricsProperties;
import io.otpgate.server.system.Problems;
import io.otpgate.server.system.RequestBodyLimitFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Who may call what. The API ({@code /api/**}) is stateless, with bearer access tokens; the Django REST project's
 * {@code IsOtpVerified} guards the account endpoints, recovery-code creation and device deletion: once a user has a
 * confirmed device, those need a token whose device still proves the second factor ({@code FACTOR_OTP}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
class ApiSecurityConfiguration {

    /** Seed 004's {@code IsOtpVerified.message}. */
    static final String SECOND_FACTOR_MISSING = ApiPrincipal.SECOND_FACTOR_MISSING;

    /** Largest API request body. */
    static final long MAX_BODY = 64 * 1024;

    /**
     * The endpoints that need no token: they are open, and a bearer header sent to them is ignored. Swagger UI (its
     * page and assets, served by springdoc under {@code /api/swagger-ui/}) is read-only documentation.
     */
    private static final RequestMatcher PUBLIC = new OrRequestMatcher(Stream.of("/api/token", "/api/token/refresh",
            "/api/token/blacklist", "/api/docs", "/api/docs/**", "/api/swagger-ui/**")
            .map(PathPatternRequestMatcher::pathPattern).toList());

    private static final String[] OTP_VERIFIED = { "/api/me", "/api/profile", "/api/oauth_profiles",
        "/api/oauth_profiles/**", "/api/totp/recovery_code/create", "/api/totp/delete", "/api/token/logout-all",
        "/api/trusted_browsers", "/api/trusted_browsers/**" };

    @Bean
    @Order(1)
    SecurityFilterChain apiSecurity(HttpSecurity http, JwtDecoder decoder, ApiAuthenticationConverter converter)
            throws Exception {
        DefaultAuthorizationManagerFactory<RequestAuthorizationContext> otpVerified = AuthorizationManagerFactories
                .<RequestAuthorizationContext>multiFactor()
                .requireFactors(ApiAuthenticationConverter.OTP_AUTHORITY)
                .when(auth -> auth.getPrincipal() instanceof ApiPrincipal p && p.hasConfirmedDevice())
                .build();
        // A browser the user trusted (FACTOR_OTP_REMEMBERED) satisfies IsOtpVerified too; a fresh code is FACTOR_OTP.
        AuthorizationManager<RequestAuthorizationContext> secondFactor = AuthorizationManagers.anyOf(
                otpVerified.authenticated(), AuthorizationManagerFactories.<RequestAuthorizationContext>multiFactor()
                        .requireFactors(ApiAuthenticationConverter.REMEMBERED_AUTHORITY).build().authenticated());
        AuthenticationEntryPoint unauthorized = ApiSecurityConfiguration::unauthorized;
        AccessDeniedHandler forbidden = (request, response, e) -> Problems.write(response, request,
                HttpStatus.FORBIDDEN, SECOND_FACTOR_MISSING, Map.of());
        http.securityMatcher("/api/**")
                .csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(c -> c.disable())
                .anonymous(a -> a.disable())
                // Filters a stateless JSON API never uses: each one costs every request a little.
                .logout(l -> l.disable())
                .servletApi(s -> s.disable())
                .authorizeHttpRequests(a -> a
                        .dispatcherTypeMatchers(DispatcherType.ERROR).permitAll()
                        .requestMatchers(PUBLIC).permitAll()
                        .requestMatchers(OTP_VERIFIED).access(secondFactor)
                        .anyRequest().authenticated())
                .oauth2ResourceServer(o -> o
                        .bearerTokenResolver(bearerTokens())
                        .jwt(j -> j.decoder(decoder).jwtAuthenticationConverter(converter))
                        .authenticationEntryPoint(unauthorized)
                        .accessDeniedHandler(forbidden))
                .exceptionHandling(e -> e.authenticationEntryPoint(unauthorized).accessDeniedHandler(forbidden));
        return http.build();
    }

    /**
     * Everything else (after the API and the admin panel): health, the API's documentation and the public keys are
     * open; the metrics need {@code otpgate.metrics.token}; nothing more.
     */
    @Bean
    @Order(3)
    SecurityFilterChain otherSecurity(HttpSecurity http, MetricsProperties metrics) throws Exception {
        RequestMatcher prometheus = PathPatternRequestMatcher.pathPattern("/actuator/prometheus");
        AuthenticationEntryPoint metricsUnauthorized = MetricsAccess.unauthorized();
        AuthenticationEntryPoint forbidden = new Http403ForbiddenEntryPoint();
        http.authorizeHttpRequests(a -> a
                .dispatcherTypeMatchers(DispatcherType.ERROR).permitAll()
                .requestMatchers(prometheus).access(new MetricsAccess(metrics))
                .requestMatchers("/actuator/health", "/actuator/health/**",
                        "/v3/api-docs", "/v3/api-docs/**", "/swagger-ui/**", "/swagger-ui.html",
                        "/.well-known/jwks.json")
                .permitAll()
                .anyRequest().denyAll())
                .exceptionHandling(e -> e.authenticationEntryPoint((request, response, cause) -> (prometheus
                        .matches(request) ? metricsUnauthorized : forbidden).commence(request, response, cause)))
                .csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
        return http.build();
    }

    /**
     * No Micrometer observations of Spring Security's filters, authentications and authorizations (they were
     * already switched off by {@code management.observations.enable.spring.security=false}, but each filter was
     * still wrapped to ask): HTTP request metrics stay.
     */
    @Bean
    SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }

    /**
     * A URL that Spring Security's firewall refuses ({@code ;}, {@code //}, {@code ..}, encoded {@code %} and the
     * like): a 400 problem on the API, like every other refusal there, instead of the error page's other shape (and
     * no body at all under MockMvc). Elsewhere the plain 400.
     */
    @Bean
    RequestRejectedHandler rejectedRequests() {
        RequestRejectedHandler plain = new HttpStatusRequestRejectedHandler();
        return (request, response, e) -> {
            String uri = request.getRequestURI();
            if (uri != null && (uri.startsWith("/api/") || uri.startsWith("/.well-known/"))) {
                Problems.write(response, request, HttpStatus.BAD_REQUEST, "the request URL is not allowed", Map.of());
            } else {
                plain.handle(request, response, e);
            }
        };
    }

    /** First of all: a body that is not JSON is refused before any filter or parser reads it. */
    @Bean
    FilterRegistrationBean<JsonOnlyFilter> jsonOnly() {
        FilterRegistrationBean<JsonOnlyFilter> registration = new FilterRegistrationBean<>(new JsonOnlyFilter());
        registration.addUrlPatterns("/api/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 5);
        return registration;
    }

    @Bean
    FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimit() {
        FilterRegistrationBean<RequestBodyLimitFilter> registration = new FilterRegistrationBean<>(
                new RequestBodyLimitFilter(MAX_BODY));
        registration.addUrlPatterns("/api/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    /** The bearer token, except on the public endpoints: a stale token sent to {@code token/refresh} is ignored. */
    private static BearerTokenResolver bearerTokens() {
        BearerTokenResolver header = new BearerTokenHeader();
        return request -> PUBLIC.matches(request) ? null : header.resolve(request);
    }

    /** 401 with simplejwt's messages and {@code code}, and {@code WWW-Authenticate: Bearer}. */
    private static void unauthorized(HttpServletRequest request, HttpServletResponse response,
            AuthenticationException e) throws IOException {
        String message;
        String code;
        String reason = e instanceof InvalidBearerTokenException invalid ? invalid.getMessage() : "";
        if (reason.equals("User not found")) {
            message = "User not found";
            code = "user_not_found";
        } else if (reason.equals("User is inactive")) {
            message = "User is inactive";
            code = "user_inactive";
        } else if (e instanceof org.springframework.security.oauth2.core.OAuth2AuthenticationException) {
            message = "Given token not valid for any token type";
            code = "token_not_valid";
        } else {
            message = "Authentication credentials were not provided.";
            code = "not_authenticated";
        }
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"api\""
                + (code.equals("not_authenticated") ? "" : ", error=\"invalid_token\""));
        Problems.write(response, request, HttpStatus.UNAUTHORIZED, message, Map.of("code", code));
    }
}
