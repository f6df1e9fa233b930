package io.otpgate.server.token;

import java.util.Set;

import org.springframework.transaction.annotation.Transactional;

import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.PendingSetups;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationService;

/**
 * Moves an API session between "password only" and "second factor proven": a code verified by
 * {@link VerificationService} and the new tokens that name its device are one transaction.
 */
public class SecondFactorSessions {

    private final VerificationService verification;
    private final DeviceService devices;
    private final TokenService tokens;

    SecondFactorSessions(VerificationService verification, DeviceService devices, TokenService tokens) {
        this.verification = verification;
        this.devices = devices;
        this.tokens = tokens;
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
     * Removes all of the user's devices (the Django REST project's {@code totp/delete}) and issues password-only
     * tokens.
     */
    @Transactional
    public TokenPair disable(ApiPrincipal session, String clientAddress) {
        devices.removeAll(session.userId(), clientAddress);
        return tokens.issue(session.userId(), null, session.authTime());
    }
}
