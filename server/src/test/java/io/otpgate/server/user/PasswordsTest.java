package io.otpgate.server.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;

class PasswordsTest {

    static final Passwords passwords = new Passwords();

    /** Hashes from the seed's own Django system (shared/fixtures/django-seed) with their passwords. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            pbkdf2_sha256$260000$UXGdvOyTKplq2QBVwH3qxf$dMTBKgg/A/pkl3sv0okSKkbL4inFYx7ckIuhgwzyNb0= | Ana pass acme 1
            pbkdf2_sha256$260000$BXmVc5GsaJcYBayTwAoWUR$MZoh42CHZK5pmVE0a/MZpqu1UEPg1ZQVkIZEuuBR8Kk= | ben-acme-pw-2
            pbkdf2_sha256$260000$pBCDx2lcJwJzYQjvGj6f4N$mkLrnqH5mL8E9Xco57INLxR+sz9h7H1Sn3XnAYFlmLQ= | cy acme p@ss 3
            """)
    void matchesWhenDjangoHashThenRightPasswordOnlyAndUpgradeWanted(String hash, String password) {
        assertThat(passwords.matches(password, hash)).isTrue();
        assertThat(passwords.matches(password + "x", hash)).isFalse();
        assertThat(passwords.needsUpgrade(hash)).isTrue();
        assertThat(Passwords.isSupportedHash(hash)).isTrue();
    }

    @Test
    void hashWhenNewPasswordThenArgon2idThatMatchesAndNeedsNoUpgrade() {
        String hash = passwords.hash("correct horse battery");

        assertThat(hash).startsWith("{argon2}$argon2id$v=19$m=19456,t=2,p=1$");
        assertThat(passwords.matches("correct horse battery", hash)).isTrue();
        assertThat(passwords.matches("correct horse batterY", hash)).isFalse();
        assertThat(passwords.needsUpgrade(hash)).isFalse();
    }

    @Test
    void matchesWhenSpringDefaultsHashThenRightPasswordOnlyAndUpgradeWanted() {
        String hash = "{argon2}"
                + Argon2PasswordEncoder.defaultsForSpringSecurity_v5_8().encode("correct horse battery");

        assertThat(passwords.matches("correct horse battery", hash)).isTrue();
        assertThat(passwords.matches("correct horse batterY", hash)).isFalse();
        assertThat(passwords.needsUpgrade(hash)).isTrue();
    }

    /** bench/load/run.sh reads the literal of parameters() from the source: it must state the constants. */
    @Test
    void parametersWhenReadThenStateTheConstantsOfNewHashes() {
        assertThat(Passwords.parameters()).isEqualTo("argon2id, memory " + Passwords.MEMORY_KIB + " KiB, "
                + Passwords.ITERATIONS + " iterations, parallelism " + Passwords.PARALLELISM + ", salt "
                + Passwords.SALT_LENGTH + " bytes, hash " + Passwords.HASH_LENGTH + " bytes");
        assertThat(passwords.implementation()).isIn("native libargon2.so.1", "native argon2", "Bouncy Castle (Java)");
    }

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", textBlock = """
            NULL
            pbkdf2_sha256$260000$salt
            pbkdf2_sha256$0$salt$dMTBKgg/A/pkl3sv0okSKkbL4inFYx7ckIuhgwzyNb0=
            pbkdf2_sha256$99999999999$salt$dMTBKgg/A/pkl3sv0okSKkbL4inFYx7ckIuhgwzyNb0=
            pbkdf2_sha256$260000$salt$not base64!
            pbkdf2_sha1$260000$salt$dMTBKgg/A/pkl3sv0okSKkbL4inFYx7ckIuhgwzyNb0=
            !unusablePasswordFromDjango
            """)
    void matchesWhenHashMalformedThenFalseWithoutException(String hash) {
        assertThat(passwords.matches("Ana pass acme 1", hash)).isFalse();
        assertThat(Passwords.isSupportedHash(hash)).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {argon2}$argon2id$v=19$m=16384,t=2,p=1$c29tZXNhbHQ
            {argon2}$argon2id$v=19$m=16384,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc=
            {argon2}not argon2
            {argon2}
            """)
    void matchesWhenArgon2HashMalformedThenFalseWithoutException(String hash) {
        assertThat(passwords.matches("Ana pass acme 1", hash)).isFalse();
        assertThat(passwords.needsUpgrade(hash)).isFalse();
    }

    @Test
    void hashWhenLoneSurrogateThenRefusedAndNeverMatches() {
        String hash = passwords.hash("correct horse battery?");

        assertThatThrownBy(() -> passwords.hash("correct horse battery\ud800"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("password must be Unicode text, without a lone UTF-16 surrogate");
        assertThatThrownBy(() -> Passwords.check("correct \udc00horse battery"))
                .hasMessage("password must be Unicode text, without a lone UTF-16 surrogate");
        assertThat(passwords.matches("correct horse battery\ud800", hash)).isFalse();
        String emoji = "correct horse battery \ud83d\ude00";
        assertThat(passwords.matches(emoji, passwords.hash(emoji))).isTrue();
    }

    @Test
    void hashWhenTooShortOrTooLongThenRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> passwords.hash("seven77")).hasMessage("password must have at least 8 characters");
        assertThatThrownBy(() -> passwords.hash("x".repeat(1025)))
                .hasMessage("password must have at most 1024 characters");
        assertThat(passwords.matches("x".repeat(1025), passwords.hash("x".repeat(1024)))).isFalse();
    }
}
