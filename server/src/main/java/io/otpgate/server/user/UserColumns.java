package io.otpgate.server.user;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.otpgate.spring.secret.SealedColumn;

/** The server's own sealed columns, beside the library's: {@code rotate-key} re-seals them too. */
@Configuration(proxyBeanMethods = false)
class UserColumns {

    @Bean
    SealedColumn oauthCredentialsColumn() {
        return OAuthProfileRepository.SEALED_CREDENTIALS;
    }
}
