package io.otpgate.spring.factor;

/** The pages' paths (fixed: applications and themes link to them). */
public final class OtpPaths {

    /** The code prompt: {@code GET} shows it, {@code POST} with the field {@code code} checks a code. */
    public static final String VERIFY = "/otp/verify";
    /** Enrolment: {@code GET} starts a setup, {@code POST} with the field {@code code} confirms it. */
    public static final String SETUP = "/otp/setup";
    /** The user's own devices. */
    public static final String DEVICES = "/otp/devices";
    /** The pages' passkey script (no inline script: it is served from here, {@code script-src 'self'}). */
    public static final String PASSKEYS_SCRIPT = "/otp/passkeys.js";

    private OtpPaths() {
    }
}
