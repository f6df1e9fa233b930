package io.otpgate.server.token;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.DeviceService;

/**
 * What a request on behalf of a user may do, read in one query (it is asked on every API request): whether the
 * user exists and is active, has a confirmed device, and whether the device a token names still exists, belongs to
 * the user and is confirmed (as django-otp's {@code is_verified} reads a token's device on every request); and the
 * user's session version, which the token's must equal.
 */
@Repository
class RequestAccess {

    private final JdbcClient jdbc;

    RequestAccess(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * @param claimed the device a token names, or null
     * @return empty if there is no such user
     */
    Optional<AccessState> of(long userId, DeviceRef claimed) {
        StringBuilder sql = new StringBuilder("select u.is_active, ").append(DeviceService.anyConfirmedDevice("u.id"))
                .append(" as has_device, ");
        List<Object> params = new ArrayList<>();
        if (claimed == null) {
            sql.append("false");
        } else {
            sql.append("exists (select 1 from ").append(claimed.kind().table())
                    .append(" c where c.id = ? and c.account_id = u.id and c.confirmed = true)");
            params.add(claimed.id());
        }
        // The server's account of a user has the user's id (made with the user).
        sql.append(" as device_valid, coalesce(a.session_version, 0) as session_version from auth_user u")
                .append(" left join otpgate_account a on a.id = u.id where u.id = ?");
        params.add(userId);
        return jdbc.sql(sql.toString()).params(params)
                .query((rs, n) -> new AccessState(rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3),
                        rs.getLong(4)))
                .optional();
    }

    /**
     * Whether the user is active, and their session version, in one query (a refresh checks both).
     *
     * @return empty if there is no such user
     */
    Optional<UserSession> session(long userId) {
        // The server's account of a user has the user's id (made with the user).
        return jdbc.sql("select u.is_active, coalesce(a.session_version, 0) from auth_user u "
                + "left join otpgate_account a on a.id = u.id where u.id = ?").param(userId)
                .query((rs, n) -> new UserSession(rs.getBoolean(1), rs.getLong(2))).optional();
    }

    /**
     * @param active whether the user may log in at all
     * @param sessionVersion the user's session version ({@code otpgate_account.session_version})
     */
    record UserSession(boolean active, long sessionVersion) {
    }

    /**
     * @param active whether the user may log in at all
     * @param hasConfirmedDevice whether the user's requests need a second factor
     * @param claimedDeviceValid whether the device the token names proves that second factor
     * @param sessionVersion the user's session version ({@code otpgate_account.session_version})
     */
    record AccessState(boolean active, boolean hasConfirmedDevice, boolean claimedDeviceValid, long sessionVersion) {
    }
}
