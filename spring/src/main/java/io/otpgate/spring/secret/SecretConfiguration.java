package io.otpgate.spring.secret;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Loads the key ring: from {@code otpgate.secrets.keys} when set, else from the key file. On the embedded database
 * a missing key file is created with a new key; on any other database a missing key stops the start, since two
 * instances that each made their own key would not open each other's secrets.
 */
@Configuration(proxyBeanMethods = false)
class SecretConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SecretConfiguration.class);

    /** The key file when none is configured, on the embedded database only: beside the application (a dev default). */
    static final Path DEFAULT_KEY_FILE = Path.of("otpgate.key");

    @Bean
    SecretBox secretBox(SecretsProperties properties, Environment environment, SecureRandom random,
            ObjectProvider<DataSource> dataSource) {
        boolean embedded = embedded(environment, dataSource);
        KeyRing ring = loadKeyRing(properties, embedded, random);
        return new SecretBox(ring, random, properties.keysConfigured() ? null : keyFile(properties, embedded));
    }

    @Bean
    KeySource keySource(SecretsProperties properties, Environment environment, ObjectProvider<DataSource> dataSource) {
        return properties.keysConfigured() ? new KeySource(null)
                : new KeySource(keyFile(properties, embedded(environment, dataSource)));
    }

    private static Path keyFile(SecretsProperties properties, boolean embedded) {
        return properties.keyFile() != null || !embedded ? properties.keyFile() : DEFAULT_KEY_FILE;
    }

    /**
     * Whether the database is H2 (an embedded one): by the configured URL, else by asking the data source (an
     * application on Spring Boot's embedded database configures no URL).
     */
    private static boolean embedded(Environment environment, ObjectProvider<DataSource> dataSource) {
        String url = environment.getProperty("spring.datasource.url");
        if (url != null) {
            return url.startsWith("jdbc:h2:");
        }
        DataSource source = dataSource.getIfAvailable();
        if (source == null) {
            return false;
        }
        try (Connection connection = source.getConnection()) {
            return connection.getMetaData().getURL().startsWith("jdbc:h2:");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot tell which database this is: " + e.getMessage(), e);
        }
    }

    static KeyRing loadKeyRing(SecretsProperties properties, boolean embedded, SecureRandom random) {
        if (properties.keysConfigured()) {
            try {
                return KeyRing.parse(properties.keys());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("otpgate.secrets.keys is malformed: " + e.getMessage(), e);
            }
        }
        Path file = keyFile(properties, embedded);
        if (file == null) {
            throw new IllegalStateException("no key to seal secrets: set otpgate.secrets.keys (on a database other "
                    + "than the embedded one every instance needs the same key ring), or otpgate.secrets.key-file");
        }
        if (Files.exists(file)) {
            try {
                if (KeyFile.readableByOthers(file)) {
                    log.warn("key file {} is readable by group or others; chmod 600 it", file);
                }
            } catch (IOException e) {
                log.warn("cannot read the permissions of key file {}: {}", file, e.getMessage());
            }
            return KeyFile.read(file);
        }
        if (!embedded) {
            throw new IllegalStateException("no key to seal secrets: the key file " + file + " does not exist. "
                    + "On a shared database, give every instance the same key ring in OTPGATE_SECRETS_KEYS "
                    + "(e.g. 1:$(head -c 32 /dev/urandom | base64)) or the same key file");
        }
        KeyRing ring = KeyRing.generate(random);
        KeyFile.write(file, ring);
        log.info("created key file {} (owner-only); back it up with the database", file.toAbsolutePath());
        return ring;
    }

    /**
     * Where the ring is kept: the key file, or null when it comes from configuration.
     *
     * @param keyFile the key file, which {@code rotate-key} rewrites; null when keys are configured
     */
    record KeySource(Path keyFile) {
    }
}
