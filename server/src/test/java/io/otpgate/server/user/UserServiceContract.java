package io.otpgate.server.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;

import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.system.OtpgateException;

/** Users, passwords, profiles and OAuth profiles, on each database. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = "logging.level.otpgate.security=WARN")
abstract class UserServiceContract {

    /** acme-ana of the Django fixture: Django 3.2's PBKDF2-SHA256 hash of "Ana pass acme 1". */
    static final String DJANGO_HASH =
            "pbkdf2_sha256$260000$UXGdvOyTKplq2QBVwH3qxf$dMTBKgg/A/pkl3sv0okSKkbL4inFYx7ckIuhgwzyNb0=";

    @Autowired UserService service;
    @Autowired UserRepository users;
    @Autowired OAuthProfileRepository oauthProfiles;
    @Autowired SecurityEvents events;
    @Autowired JdbcClient jdbc;

    static String unique(String prefix) {
        return prefix + "-" + System.nanoTime();
    }

    @Test
    void createWhenValidThenUserWithArgon2HashAndProfile() {
        User user = service.create(new NewUser(unique("alice"), "alice@example.com", "Alice", "Liddell", true, false),
                "correct horse battery");

        assertThat(user.staff()).isTrue();
        assertThat(user.active()).isTrue();
        assertThat(users.passwordHash(user.id())).get().asString().startsWith("{argon2}$argon2id$");
        assertThat(users.findProfile(user.id())).get()
                .satisfies(p -> assertThat(p.email()).isEqualTo("alice@example.com"))
                .satisfies(p -> assertThat(p.otpEnabled()).isFalse());
        assertThat(events.list(user.id(), SecurityEventKind.USER_CREATED, null, null, 10)).hasSize(1);
    }

    @Test
    void createWhenUsernameTakenThenConflict() {
        String name = unique("bob");
        service.create(NewUser.named(name), "correct horse battery");

        assertThatThrownBy(() -> service.create(NewUser.named(name), "another password"))
                .isInstanceOfSatisfying(OtpgateException.class,
                        e -> assertThat(e.reason()).isEqualTo(OtpgateException.Reason.CONFLICT))
                .hasMessage("user \"" + name + "\" already exists");
    }

    @Test
    void createWhenPasswordTooShortThenInvalidAndNothingStored() {
        String name = unique("carol");

        assertThatThrownBy(() -> service.create(NewUser.named(name), "short"))
                .isInstanceOfSatisfying(OtpgateException.class,
                        e -> assertThat(e.reason()).isEqualTo(OtpgateException.Reason.INVALID))
                .hasMessageNotContaining("short");
        assertThat(users.findByUsername(name)).isEmpty();
    }

    @Test
    void checkPasswordWhenRightThenUserAndLastLogin() {
        User created = service.create(NewUser.named(unique("dave")), "correct horse battery");

        assertThat(service.checkPassword(created.username(), "correct horse battery", "192.0.2.7")).isPresent()
                .get().satisfies(u -> assertThat(u.lastLogin()).isNotNull());
        assertThat(service.checkPassword(created.username(), "wrong horse battery", null)).isEmpty();
        assertThat(service.checkPassword("nobody-" + System.nanoTime(), "correct horse battery", null)).isEmpty();
        assertThat(events.list(created.id(), null, null, null, 10)).extracting(e -> e.kind())
                .contains(SecurityEventKind.LOGIN_SUCCEEDED, SecurityEventKind.LOGIN_FAILED);
    }

    @Test
    void checkPasswordWhenDjangoHashThenAcceptedAndUpgradedToArgon2() {
        String name = unique("ana");
        long id = users.insert(NewUser.named(name), DJANGO_HASH, Instant.now(), null, true, null);

        assertThat(service.checkPassword(name, "Ana pass acme 2", null)).isEmpty();
        assertThat(users.passwordHash(id)).contains(DJANGO_HASH);
        assertThat(service.checkPassword(name, "Ana pass acme 1", null)).isPresent();
        assertThat(users.passwordHash(id)).get().asString().startsWith("{argon2}");
        assertThat(service.checkPassword(name, "Ana pass acme 1", null)).isPresent();
    }

    @Test
    void checkPasswordWhenSpringDefaultsArgon2HashThenUpgradedToOwaspParameters() {
        String name = unique("amy");
        String old = "{argon2}"
                + Argon2PasswordEncoder.defaultsForSpringSecurity_v5_8().encode("correct horse battery");
        long id = users.insert(NewUser.named(name), old, Instant.now(), null, true, null);

        assertThat(service.checkPassword(name, "wrong horse battery", null)).isEmpty();
        assertThat(users.passwordHash(id)).contains(old);
        assertThat(service.checkPassword(name, "correct horse battery", null)).isPresent();
        assertThat(users.passwordHash(id)).get().asString().startsWith("{argon2}$argon2id$v=19$m=19456,t=2,p=1$");
        assertThat(events.list(id, SecurityEventKind.PASSWORD_HASH_UPGRADED, null, null, 10)).hasSize(1);
        assertThat(service.checkPassword(name, "correct horse battery", null)).isPresent();
        assertThat(events.list(id, SecurityEventKind.PASSWORD_HASH_UPGRADED, null, null, 10)).hasSize(1);
    }

    @Test
    void checkPasswordWhenInactiveThenRefused() {
        String name = unique("erin");
        users.insert(NewUser.named(name), DJANGO_HASH, Instant.now(), null, false, null);

        assertThat(service.checkPassword(name, "Ana pass acme 1", null)).isEmpty();
    }

    @Test
    void setPasswordWhenValidThenOldOneNoLongerWorks() {
        User user = service.create(NewUser.named(unique("fred")), "correct horse battery");

        service.setPassword(user.id(), "a brand new password");

        assertThat(service.checkPassword(user.username(), "correct horse battery", null)).isEmpty();
        assertThat(service.checkPassword(user.username(), "a brand new password", null)).isPresent();
        assertThatThrownBy(() -> service.setPassword(Long.MAX_VALUE, "a brand new password"))
                .isInstanceOf(OtpgateException.class);
    }

    @Test
    void updateProfileWhenSavedThenFieldsAndUpdatedAtChangeButNotOtpFlag() {
        User user = service.create(NewUser.named(unique("hank")), "correct horse battery");
        Profile before = users.findProfile(user.id()).orElseThrow();
        Instant later = before.updatedAt().plusSeconds(60);

        users.setOtpEnabled(user.id(), true, before.updatedAt());
        assertThat(users.updateProfile(user.id(), new Profile("h@example.com", "+1 555 0100", "Hank", "Hill",
                Instant.EPOCH, Instant.EPOCH, 7, 8, false), later)).isTrue();

        Profile after = users.findProfile(user.id()).orElseThrow();
        assertThat(after.phone()).isEqualTo("+1 555 0100");
        assertThat(after.powerContactId()).isEqualTo(8);
        assertThat(after.updatedAt()).isEqualTo(later);
        assertThat(after.createdAt()).isEqualTo(before.createdAt());
        assertThat(after.otpEnabled()).isTrue();
        assertThat(users.updateProfile(Long.MAX_VALUE, after, later)).isFalse();
    }

    @Test
    void requireWhenUnknownThenSeedMessage() {
        assertThatThrownBy(() -> service.require("x")).hasMessage("User \"x\" does not exist");
    }

    @Test
    void oauthProfileWhenStoredThenCredentialsSealedAndReadBack() {
        User user = service.create(NewUser.named(unique("gina")), "correct horse battery");
        long id = oauthProfiles.insert(user.id(), "github", "https://example.invalid/oauth", "gho_token");

        assertThat(oauthProfiles.findByUser(user.id())).singleElement()
                .satisfies(p -> assertThat(p.credentials()).isEqualTo("gho_token"))
                .satisfies(p -> assertThat(p.toString()).doesNotContain("gho_token"));
        byte[] stored = jdbc.sql("select sealed_oauth_credentials from user_oauth_profile where id = ?").param(id)
                .query(byte[].class).single();
        assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("gho_token");
        assertThat(oauthProfiles.delete(user.id(), id)).isTrue();
        assertThat(oauthProfiles.delete(user.id(), id)).isFalse();
    }
}
