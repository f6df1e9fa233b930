package io.otpgate.spring.device;

import java.time.Instant;

import io.otpgate.core.ThrottleState;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.otpgate.spring.system.SqlTime;

/** The throttling columns every device table shares (django-otp's {@code ThrottlingMixin}). */
@Component
public class DeviceThrottling {

    private final JdbcClient jdbc;

    DeviceThrottling(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The throttle state of stored columns. A count without a time (possible in imported data) counts from the
     * epoch, so its delay has passed.
     */
    public static ThrottleState state(int failureCount, Instant lastFailure) {
        if (failureCount <= 0) {
            return ThrottleState.CLEAR;
        }
        return new ThrottleState(failureCount, lastFailure == null ? Instant.EPOCH : lastFailure);
    }

    /** Counts one more consecutive failure at {@code now}. */
    public void recordFailure(DeviceRef device, Instant now) {
        jdbc.sql("update " + device.kind().table() + " set throttling_failure_count = throttling_failure_count + 1, "
                + "throttling_failure_timestamp = ? where id = ?").params(SqlTime.of(now), device.id()).update();
    }

    /**
     * Sets a device's failures as another system recorded them (django-otp's columns, on an import). Joins the
     * caller's transaction.
     */
    public void restore(DeviceRef device, ThrottleState state) {
        jdbc.sql("update " + device.kind().table() + " set throttling_failure_count = ?, "
                + "throttling_failure_timestamp = ? where id = ?")
                .params(state.failureCount(), SqlTime.of(state.lastFailure()), device.id()).update();
    }

    /** Clears the failures of every device of a user (an operator's unlock). Returns how many devices had some. */
    public int clear(long userId) {
        int cleared = 0;
        for (DeviceKind kind : DeviceKind.values()) {
            cleared += jdbc.sql("update " + kind.table() + " set throttling_failure_count = 0, "
                    + "throttling_failure_timestamp = null where account_id = ? and throttling_failure_count > 0")
                    .param(userId).update();
        }
        return cleared;
    }
}
