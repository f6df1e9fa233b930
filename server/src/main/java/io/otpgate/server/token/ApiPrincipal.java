package io.otpgate.server.token;

import java.time.Instant;

import io.otpgate.spring.device.DeviceRef;

/**
 * Who an API request acts for, as its access token and the database say at the time of the request.
 *
 * @param device the device the token names (a code's device, or a passkey), or null
 * @param otpVerified whether that device still exists, belongs to the user and is confirmed
 * @param hasConfirmedDevice whether the user has any confirmed device (then OTP-verified endpoints need
 *     {@code otpVerified})
 * @param authTime when the password was checked
 * @param sessionVersion the user's session version, which the token carried and the request's query found current:
 *     the pairs issued on this request carry it (were it to move on meanwhile, they are dead at once)
 * @param otpRemembered whether a browser the user trusted stood in for the second factor at the password login
 *     (claim {@code otp_remembered}): it satisfies {@code IsOtpVerified}, but is not {@code otpVerified}
 */
public record ApiPrincipal(long userId, DeviceRef device, boolean otpVerified, boolean hasConfirmedDevice,
        Instant authTime, long sessionVersion, boolean otpRemembered) {

    /** Seed 004's {@code IsOtpVerified.message}: a request that needs the second factor this token has not proven. */
    public static final String SECOND_FACTOR_MISSING =
            "You do not have permission to perform this action until you verify your MFA device.";

    /**
     * Seed 004's {@code IsOtpVerified}: a second factor is needed only once the user has a confirmed device; a code
     * or a remembered browser satisfies it.
     */
    public boolean secondFactorSatisfied() {
        return otpVerified || otpRemembered || !hasConfirmedDevice;
    }
}
