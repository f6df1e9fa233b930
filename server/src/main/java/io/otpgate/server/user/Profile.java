package io.otpgate.server.user;

import java.time.Instant;

/** Seed 004's {@code UserProfile}. {@code otpEnabled} is kept by otpgate: true while a confirmed device exists. */
public record Profile(String email, String phone, String firstName, String lastName, Instant createdAt,
        Instant updatedAt, int powerAccountId, int powerContactId, boolean otpEnabled) {

    /** A new profile for a new user. */
    public static Profile of(NewUser user, Instant now) {
        return new Profile(user.email(), "", user.firstName(), user.lastName(), now, now, 0, 0, false);
    }
}
