package io.otpgate.server.user;

import java.time.Instant;

import org.springframework.stereotype.Component;

import io.otpgate.spring.device.SecondFactorListener;

/** Keeps the profile's {@code is_otp_enabled} with the second factor (the server's account id is the user's id). */
@Component
class ProfileOtpFlag implements SecondFactorListener {

    private final UserRepository users;

    ProfileOtpFlag(UserRepository users) {
        this.users = users;
    }

    @Override
    public void secondFactorChanged(long accountId, boolean enabled, Instant at) {
        users.setOtpEnabled(accountId, enabled, at);
    }
}
