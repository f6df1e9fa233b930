package io.otpgate.server.token;

import java.time.Instant;
import java.util.Set;

import org.springframework.transaction.annotation.Transactional;

import io.otpgate.spring.device.AccountRepository;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.PendingSetups;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationProperties;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.spring.factor.OtpJwtClaims;
import io.otpgate.spring.webauthn.AssertionOutcome;
import io.otpgate.spring.webauthn.PasskeyAuthentication;
import io.otpgate.spring.webauthn.WebAuthnRefusal;

/**
 * Moves an API session between "password only" and "second factor proven": a code verified by
 * {@link VerificationService} (or a passkey's assertion by {@link PasskeyAuthentication}) and the new tokens that
 * name its device are one transaction.
 */
public class SecondFactorSessions {

    private final VerificationService verification;
    private final DeviceService devices;
    private final TokenService tokens;
    private final PasskeyAuthentication passkeys;
    private final AccountRepository accounts;
    private final VerificationProperties verificationProperties;

    SecondFactorSessions(VerificationService verification, DeviceService devices, TokenService tokens,
            PasskeyAuthentication passkeys, AccountRepository accounts,
            VerificationProperties verificationProperties) {
        this.verification = verification;
        this.devices = devices;
        this.tokens = tokens;
        this.passkeys = passkeys;
        this.accounts = accounts;
        this.verificationProperties = verificationProperties;
    }

    /**
     * What became of a code.
     *
     * @param tokens the new pair when the outcome is {@link VerificationOutcome.Verified}, else null
     */
    public record CodeLogin(VerificationOutcome outcome, TokenPair tokens) {
    }

    /**
     * Verifies a code for the session's user and, if it is accepted, issues tokens that name its device.
     *
     * @param pendingSetups whether a pending TOTP/HOTP setup may be confirmed by this code: {@code true} lets the
     *     session confirm one only if it proved the user's second factor, or the user has no confirmed device yet
     */
    @Transactional
    public CodeLogin verify(ApiPrincipal session, String code, Set<DeviceKind> kinds, boolean pendingSetups,
            String clientAddress) {
        PendingSetups pending = !pendingSetups ? PendingSetups.NONE
                : session.otpVerified() ? PendingSetups.ANY : PendingSetups.WHILE_NO_CONFIRMED_DEVICE;
        VerificationOutcome outcome = verification.verify(session.userId(), code, kinds, pending, clientAddress);
        TokenPair pair = outcome instanceof VerificationOutcome.Verified verified
                ? tokens.issue(session.userId(), verified.device(), session.authTime(), session.sessionVersion())
                : null;
        return new CodeLogin(outcome, pair);
    }

    /**
     * What became of a passkey's assertion.
     *
     * @param tokens the new pair when the outcome is {@link AssertionOutcome.Verified}, else null
     * @param lockedUntil when the outcome is a refusal because the second factor is locked: when the lock ends by
     *     itself, or null if only an operator lifts it (or for any other outcome)
     */
    public record PasskeyLogin(AssertionOutcome outcome, TokenPair tokens, Instant lockedUntil) {
    }

    /**
     * Verifies a passkey's assertion (the answer to {@link PasskeyAuthentication#options}) for the session's user
     * and, if it is accepted, issues tokens that name the passkey, with the {@code amr} of
     * {@link OtpJwtClaims#passkeyMethods}: the same pair as a code's, under the same session version.
     *
     * @param credentialJson the {@code PublicKeyCredential} as its {@code toJSON()} gives it
     * @param origin the request's {@code Origin} header, or null
     */
    @Transactional
    public PasskeyLogin verifyPasskey(ApiPrincipal session, String credentialJson, String origin,
            String clientAddress) {
        AssertionOutcome outcome = passkeys.verify(session.userId(), credentialJson, origin, clientAddress);
        if (outcome instanceof AssertionOutcome.Verified verified) {
            TokenPair pair = tokens.issue(session.userId(), verified.device(),
                    OtpJwtClaims.passkeyMethods(verified.userVerified(), verified.backedUp()), session.authTime(),
                    session.sessionVersion());
            return new PasskeyLogin(outcome, pair, null);
        }
        Instant lockedUntil = null;
        if (outcome instanceof AssertionOutcome.Refused refused && refused.reason() == WebAuthnRefusal.LOCKED) {
            lockedUntil = accounts.lock(session.userId()).map(AccountRepository.AccountState::lockedAt)
                    .map(verificationProperties::accountLockEnd).orElse(null);
        }
        return new PasskeyLogin(outcome, null, lockedUntil);
    }

    /**
     * Removes all of the user's devices (the Django REST project's {@code totp/delete}) and issues password-only
     * tokens.
     */
    @Transactional
    public TokenPair disable(ApiPrincipal session, String clientAddress) {
        devices.removeAll(session.userId(), clientAddress);
        return tokens.issue(session.userId(), null, session.authTime());
    }
}
