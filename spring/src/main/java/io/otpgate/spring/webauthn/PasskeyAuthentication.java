package io.otpgate.spring.webauthn;

import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import com.webauthn4j.credential.CredentialRecordImpl;
import com.webauthn4j.data.AuthenticationData;
import com.webauthn4j.data.AuthenticationParameters;
import com.webauthn4j.data.attestation.authenticator.AAGUID;
import com.webauthn4j.data.attestation.authenticator.AttestedCredentialData;
import com.webauthn4j.data.attestation.statement.NoneAttestationStatement;
import com.webauthn4j.data.client.Origin;
import com.webauthn4j.util.exception.WebAuthnException;
import com.webauthn4j.verifier.exception.BadChallengeException;
import com.webauthn4j.verifier.exception.BadOriginException;
import com.webauthn4j.verifier.exception.BadSignatureException;
import com.webauthn4j.verifier.exception.MaliciousCounterValueException;
import com.webauthn4j.verifier.exception.VerificationException;

import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.AccountRepository;
import io.otpgate.spring.device.AccountRepository.AccountState;
import io.otpgate.spring.device.VerificationOutcome;
import io.otpgate.spring.device.VerificationProperties;
import io.otpgate.spring.device.VerificationService;
import io.otpgate.spring.webauthn.WebAuthnChallenges.Consumed;
import io.otpgate.spring.webauthn.WebAuthnChallenges.Purpose;

/**
 * The second factor by passkey (the WebAuthn authentication ceremony, for a user who has passed the first factor):
 * {@link #options} for the browser, then {@link #verify} with what it answered.
 *
 * <p>A verification is one transaction, as a code's: the account row is locked first, the challenge named by the
 * client data is consumed (single use, whatever the outcome), the account's second-factor lock is honoured, the
 * credential must be the user's, and the origin, relying-party id, user presence, signature and counter are checked;
 * the use (counter, UV, backed up, last used) is written only if the counter read is still the stored one. So one
 * assertion is accepted at most once, also by two instances at the same moment. A refused assertion is not counted
 * as a failed code (it is no guess: a signature cannot be guessed) and changes nothing else.
 */
@Service
public class PasskeyAuthentication {

    private final WebAuthnCodec codec;
    private final WebAuthnChallenges challenges;
    private final WebAuthnDeviceRepository credentials;
    private final AccountRepository accounts;
    private final VerificationService verification;
    private final VerificationProperties verificationProperties;
    private final SecurityEvents events;
    private final WebAuthnProperties properties;
    private final Clock clock;

    PasskeyAuthentication(WebAuthnCodec codec, WebAuthnChallenges challenges, WebAuthnDeviceRepository credentials,
            AccountRepository accounts, VerificationService verification,
            VerificationProperties verificationProperties, SecurityEvents events, WebAuthnProperties properties,
            Clock clock) {
        this.codec = codec;
        this.challenges = challenges;
        this.credentials = credentials;
        this.accounts = accounts;
        this.verification = verification;
        this.verificationProperties = verificationProperties;
        this.events = events;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * The options of an authentication, with a fresh challenge valid for {@code otpgate.webauthn.challenge-lifetime}
     * (also the {@code timeout}); {@code allowCredentials} lists the user's passkeys, user verification
     * {@code preferred}.
     *
     * @return empty if the user has no passkey (nothing is issued then)
     */
    @Transactional
    public Optional<PasskeyOptions.Request> options(long accountId) {
        if (accounts.lock(accountId).isEmpty()) {
            return Optional.empty();
        }
        List<WebAuthnDevice> registered = credentials.findByAccount(accountId).stream()
                .filter(WebAuthnDevice::confirmed).toList();
        if (registered.isEmpty()) {
            return Optional.empty();
        }
        byte[] challenge = challenges.issue(accountId, Purpose.AUTHENTICATION, null, properties.challengeLifetime());
        return Optional.of(new PasskeyOptions.Request(WebAuthnCodec.base64url(challenge),
                properties.challengeLifetime().toMillis(), properties.rpId(),
                PasskeyRegistration.descriptors(registered), "preferred"));
    }

    /**
     * Verifies the browser's answer to {@link #options} for this user. On success the second factor is recorded as
     * an accepted code's is ({@code OTP_VERIFIED}, the account's failures end, wrong codes since the previous
     * success are reported); the caller then adds the factor to the session or token.
     *
     * @param credentialJson the {@code PublicKeyCredential} as its {@code toJSON()} gives it: {@code {id, rawId,
     *     type, response: {clientDataJSON, authenticatorData, signature, userHandle?}, clientExtensionResults?,
     *     authenticatorAttachment?}}, binary values base64url
     * @param origin the origin the request came from (its {@code Origin} header), or null if unknown: when given it
     *     must be allowed and equal to the client data's; the client data's must be allowed in any case
     * @param clientAddress the client's address, or null: for the security log and the familiar addresses
     */
    @Transactional
    public AssertionOutcome verify(long accountId, String credentialJson, String origin, String clientAddress) {
        Optional<AuthenticationData> parsed = codec.authentication(credentialJson);
        if (parsed.isEmpty()) {
            return refused(WebAuthnRefusal.MALFORMED);
        }
        AuthenticationData data = parsed.get();
        Optional<AccountState> account = accounts.lock(accountId);
        if (account.isEmpty()) {
            return refused(WebAuthnRefusal.CHALLENGE_UNKNOWN);
        }
        Instant now = clock.instant();
        byte[] challengeBytes = data.getCollectedClientData().getChallenge().getValue();
        Optional<Consumed> challenge = challenges.consume(accountId, Purpose.AUTHENTICATION, challengeBytes);
        if (challenge.isEmpty()) {
            return refused(WebAuthnRefusal.CHALLENGE_UNKNOWN);
        }
        if (!challenge.get().expiresAt().isAfter(now)) {
            return refused(WebAuthnRefusal.CHALLENGE_EXPIRED);
        }
        Origin clientOrigin = data.getCollectedClientData().getOrigin();
        String clientOriginText = clientOrigin.toString();
        if (!properties.allows(clientOriginText) || (origin != null && !origin.equals(clientOriginText))) {
            refusedEvent(accountId, null, clientAddress, "origin not allowed");
            return refused(WebAuthnRefusal.ORIGIN_NOT_ALLOWED);
        }
        Instant lockedAt = account.get().lockedAt();
        if (lockedAt != null) {
            Instant until = verificationProperties.accountLockEnd(lockedAt);
            if (until == null || now.isBefore(until)) {
                events.recordOnceSince(lockedAt, SecurityEventKind.OTP_REFUSED_LOCKED, accountId, null,
                        clientAddress, until == null ? "locked until unlocked" : "locked until " + until);
                return refused(WebAuthnRefusal.LOCKED);
            }
        }
        Optional<WebAuthnDevice> found = credentials.findByCredentialId(data.getCredentialId());
        if (found.isEmpty() || found.get().accountId() != accountId || !found.get().confirmed()
                || (data.getUserHandle() != null && !Arrays.equals(data.getUserHandle(), found.get().userHandle()))) {
            // Whose it is, if anyone's, is not said: the log of this account records only that it was not its own.
            refusedEvent(accountId, null, clientAddress, "unknown credential");
            return refused(WebAuthnRefusal.UNKNOWN_CREDENTIAL);
        }
        WebAuthnDevice device = found.get();
        WebAuthnRefusal refusal = check(data, device, clientOrigin, challengeBytes);
        if (refusal != null) {
            refusedEvent(accountId, device, clientAddress, refusal.name().toLowerCase(Locale.ROOT)
                    .replace('_', ' '));
            return refused(refusal);
        }
        long newCount = data.getAuthenticatorData().getSignCount();
        boolean userVerified = data.getAuthenticatorData().isFlagUV();
        boolean backedUp = data.getAuthenticatorData().isFlagBS();
        if (!credentials.recordUse(device.id(), accountId, device.signCount(), newCount, userVerified, backedUp,
                now)) {
            return refused(WebAuthnRefusal.REPLAYED);
        }
        VerificationOutcome.Verified verified = verification.recordProof(accountId, account.get(), device.ref(),
                clientAddress);
        return new AssertionOutcome.Verified(device.ref(), userVerified, backedUp, verified.wrongCodes());
    }

    /** webauthn4j's checks of the assertion against the stored credential; null if it passes. */
    private WebAuthnRefusal check(AuthenticationData data, WebAuthnDevice device, Origin clientOrigin,
            byte[] challenge) {
        try {
            AttestedCredentialData attested = new AttestedCredentialData(AAGUID.ZERO, device.credentialId(),
                    codec.publicKey(device.publicKey()));
            CredentialRecordImpl record = new CredentialRecordImpl(new NoneAttestationStatement(),
                    device.uvAtRegistration(), device.backupEligible(), device.backedUp(), device.signCount(),
                    attested, null, null, null, null);
            codec.manager().verify(data, new AuthenticationParameters(
                    codec.serverProperty(clientOrigin, properties.rpId(), challenge), record,
                    List.of(device.credentialId()), false, true));
            return null;
        } catch (BadSignatureException e) {
            return WebAuthnRefusal.BAD_SIGNATURE;
        } catch (MaliciousCounterValueException e) {
            return WebAuthnRefusal.COUNTER_NOT_INCREASED;
        } catch (BadOriginException e) {
            return WebAuthnRefusal.ORIGIN_NOT_ALLOWED;
        } catch (BadChallengeException e) {
            return WebAuthnRefusal.CHALLENGE_UNKNOWN;
        } catch (VerificationException e) {
            return WebAuthnRefusal.NOT_VERIFIED;
        } catch (WebAuthnException e) {
            return WebAuthnRefusal.MALFORMED;
        }
    }

    /** A refused assertion in the security log: an event, but no failure counted against the account. */
    private void refusedEvent(long accountId, WebAuthnDevice device, String clientAddress, String why) {
        events.record(SecurityEventKind.OTP_FAILED, accountId, device == null ? null : device.ref().persistentId(),
                clientAddress, "passkey refused: " + why);
    }

    private static AssertionOutcome refused(WebAuthnRefusal reason) {
        return new AssertionOutcome.Refused(reason);
    }
}
