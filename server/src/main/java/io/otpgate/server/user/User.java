package io.otpgate.server.user;

import java.time.Instant;

import io.otpgate.spring.device.AccountRef;

/**
 * A user, with the fields of Django's {@code auth.User} (the password hash is kept apart: see
 * {@link UserRepository#passwordHash}).
 *
 * @param lastLogin null before the first login
 * @param otpFailureCount consecutive second-factor failures across all the user's devices
 * @param otpLockedAt when the second factor was locked after too many failures, or null
 */
public record User(long id, String username, String email, String firstName, String lastName, boolean active,
        boolean staff, boolean superuser, Instant dateJoined, Instant lastLogin, int otpFailureCount,
        Instant otpLockedAt) implements AccountRef {

    /** The user's second-factor account has the user's id. */
    @Override
    public long accountId() {
        return id;
    }

    /** The username: the account's user key, and the name authenticator apps show. */
    @Override
    public String accountName() {
        return username;
    }
}
