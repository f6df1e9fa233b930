package io.otpgate.server.admin;

import java.io.Serializable;
import java.time.Instant;

import io.otpgate.spring.device.DeviceRef;

/**
 * Who is logged in to the admin panel, as kept in the session. Flags are read again from the database on each
 * request (see {@link AdminSessionGuard}); this only names the user and the login.
 *
 * @param device the persistent id of the device whose code was verified at login
 * @param loggedInAt when the login happened: the absolute timeout counts from here
 * @param sessionVersion the user's session version at the login: the session ends when it moves on
 */
public record AdminPrincipal(long userId, String username, String device, Instant loggedInAt, long sessionVersion)
        implements Serializable {

    public static AdminPrincipal of(long userId, String username, DeviceRef device, Instant loggedInAt,
            long sessionVersion) {
        return new AdminPrincipal(userId, username, device.persistentId(), loggedInAt, sessionVersion);
    }

    @Override
    public String toString() {
        return username;
    }
}
