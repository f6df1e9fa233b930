package io.otpgate.spring.secret;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the keys that seal secrets at rest come from ({@code otpgate.secrets.*}).
 *
 * @param keys the key ring as text ({@code <id>:<base64>}, primary first; see {@link KeyRing#parse}), for
 *     production, e.g. from the environment variable {@code OTPGATE_SECRETS_KEYS}; when set, the key file is unused
 * @param keyFile the key file, used when {@code keys} is empty; on the embedded database it is created on first
 *     start, readable by its owner only
 */
@ConfigurationProperties("otpgate.secrets")
public record SecretsProperties(String keys, Path keyFile) {

    boolean keysConfigured() {
        return keys != null && !keys.isBlank();
    }
}
