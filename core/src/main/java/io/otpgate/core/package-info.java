/**
 * The mathematics of one-time passwords, with the JDK only: no framework, no clock, no I/O.
 *
 * <ul>
 *   <li>{@link io.otpgate.core.Hotp} (RFC 4226) and {@link io.otpgate.core.Totp} (RFC 6238), with the verification
 *       window, drift and lower bound of django-otp's {@code oath} module;</li>
 *   <li>{@link io.otpgate.core.OtpSecret}, the one type for secret bytes, with {@link io.otpgate.core.Base32} and
 *       {@link io.otpgate.core.Hex};</li>
 *   <li>{@link io.otpgate.core.Throttle}, django-otp's {@code ThrottlingMixin} as a pure function;</li>
 *   <li>{@link io.otpgate.core.OtpAuthUri}, the Key Uri Format read by authenticator apps;</li>
 *   <li>{@link io.otpgate.core.RecoveryCodes} and {@link io.otpgate.core.RecoveryCodeDigest}.</li>
 * </ul>
 *
 * <p>Time is always an argument. An expected failure (a wrong code) is an empty result; misuse (a null secret, a
 * digit count of 9) is an {@link java.lang.IllegalArgumentException} or {@link java.lang.NullPointerException}
 * whose message names the argument and the rule, and never contains a secret or a code.
 */
package io.otpgate.core;
