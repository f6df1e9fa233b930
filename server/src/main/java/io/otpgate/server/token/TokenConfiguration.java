package io.otpgate.server.token;

import java.time.Clock;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.security.oauth2.jwt.JwtDecoder;

import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.AccountRepository;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.SessionVersions;
import io.otpgate.spring.device.VerificationProperties;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.spring.factor.PolicyProperties;
import io.otpgate.spring.factor.StepUp;
import io.otpgate.spring.secret.ServerKeys;
import io.otpgate.spring.trust.TrustedBrowserCookies;
import io.otpgate.spring.trust.TrustedBrowserProperties;
import io.otpgate.spring.trust.TrustedBrowsers;
import io.otpgate.spring.webauthn.PasskeyAuthentication;
import io.otpgate.server.user.UserService;
import io.otpgate.server.login.LoginThrottle;

/** The REST API's tokens; only in the server (commands need none of it). */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
@EnableScheduling
@EnableConfigurationProperties(PolicyProperties.class)
class TokenConfiguration {

    /** Whether a token's second factor is recent enough for a sensitive action ({@code otpgate.policy.*}). */
    @Bean
    StepUp stepUp(PolicyProperties policy, Clock clock) {
        return new StepUp(policy, clock);
    }

    @Bean
    FreshSecondFactor freshSecondFactor(StepUp stepUp) {
        return new FreshSecondFactor(stepUp);
    }

    @Bean
    TokenCodec tokenCodec(TokenProperties properties, ServerKeys keys, Clock clock) {
        return new TokenCodec(properties, keys, clock);
    }

    @Bean
    JwtDecoder jwtDecoder(TokenCodec codec) {
        return codec.accessDecoder();
    }

    @Bean
    TokenService tokenService(TokenCodec codec, RefreshTokenRepository refreshTokens, RequestAccess access,
            SecurityEvents events, SessionVersions sessions, TokenProperties properties, Clock clock) {
        return new TokenService(codec, refreshTokens, access, events, sessions, properties, clock);
    }

    @Bean
    PasswordLogin passwordLogin(UserService users, TokenService tokens, SessionVersions sessions,
            LoginThrottle throttle, Clock clock, TrustedBrowsers trustedBrowsers, DeviceService devices) {
        return new PasswordLogin(users, tokens, sessions, throttle, clock, trustedBrowsers, devices);
    }

    /** The trusted-browser cookie of the API ({@code totp/login} with {@code "remember": true} sets it). */
    @Bean
    TrustedBrowserCookies trustedBrowserCookies(TrustedBrowserProperties properties) {
        return new TrustedBrowserCookies(properties);
    }

    @Bean
    SecondFactorSessions secondFactorSessions(VerificationService verification, DeviceService devices,
            TokenService tokens, PasskeyAuthentication passkeys, AccountRepository accounts,
            VerificationProperties verificationProperties) {
        return new SecondFactorSessions(verification, devices, tokens, passkeys, accounts, verificationProperties);
    }

    @Bean
    ApiAuthenticationConverter apiAuthenticationConverter(RequestAccess access) {
        return new ApiAuthenticationConverter(access);
    }
}
