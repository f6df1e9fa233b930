package io.otpgate.spring.webauthn;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import com.webauthn4j.data.AuthenticatorTransport;
import com.webauthn4j.data.RegistrationData;
import com.webauthn4j.data.RegistrationParameters;
import com.webauthn4j.data.attestation.authenticator.AttestedCredentialData;
import com.webauthn4j.data.attestation.authenticator.AuthenticatorData;
import com.webauthn4j.data.client.Origin;
import com.webauthn4j.data.extension.authenticator.RegistrationExtensionAuthenticatorOutput;
import com.webauthn4j.verifier.exception.VerificationException;
import com.webauthn4j.util.exception.WebAuthnException;

import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.AccountRef;
import io.otpgate.spring.device.AccountRepository;
import io.otpgate.spring.device.DeviceKind;
import io.otpgate.spring.device.DevicePlugin;
import io.otpgate.spring.device.DeviceRef;
import io.otpgate.spring.device.DeviceService;
import io.otpgate.spring.device.SecondFactorListener;
import io.otpgate.spring.system.OtpgateException;
import io.otpgate.spring.webauthn.PasskeyOptions.AuthenticatorSelection;
import io.otpgate.spring.webauthn.PasskeyOptions.CredentialDescriptor;
import io.otpgate.spring.webauthn.PasskeyOptions.CredentialParameters;
import io.otpgate.spring.webauthn.PasskeyOptions.RelyingParty;
import io.otpgate.spring.webauthn.PasskeyOptions.User;
import io.otpgate.spring.webauthn.WebAuthnChallenges.Consumed;
import io.otpgate.spring.webauthn.WebAuthnChallenges.Purpose;

/**
 * Registers passkeys and security keys (the WebAuthn registration ceremony): {@link #options} for the browser, then
 * {@link #finish} with what it answered. Attestation {@code none}, user verification {@code preferred}, resident
 * key {@code preferred}; what the authenticator reported (UV, backup eligible, backed up) is stored.
 *
 * <p>The caller decides who may register: only a user who has passed the first factor (and, when the user already
 * has a device, a fresh second factor: the step-up rule), for their own account. A registered passkey is confirmed
 * at once: the ceremony proved the authenticator holds the key.
 */
@Service
public class PasskeyRegistration {

    /** The longest device name, as for the other kinds. */
    public static final int MAX_NAME = 64;
    /** The name of a passkey registered without one. */
    public static final String DEFAULT_NAME = "Passkey";
    private static final int USER_HANDLE_BYTES = 32;
    private static final int MAX_USER_NAME = 255;

    private final WebAuthnCodec codec;
    private final WebAuthnChallenges challenges;
    private final WebAuthnDeviceRepository credentials;
    private final AccountRepository accounts;
    private final DeviceService devices;
    private final List<DevicePlugin> plugins;
    private final List<SecondFactorListener> listeners;
    private final SecurityEvents events;
    private final WebAuthnProperties properties;
    private final SecureRandom random;
    private final Clock clock;

    PasskeyRegistration(WebAuthnCodec codec, WebAuthnChallenges challenges, WebAuthnDeviceRepository credentials,
            AccountRepository accounts, DeviceService devices, List<DevicePlugin> plugins,
            List<SecondFactorListener> listeners, SecurityEvents events, WebAuthnProperties properties,
            SecureRandom random, Clock clock) {
        this.codec = codec;
        this.challenges = challenges;
        this.credentials = credentials;
        this.accounts = accounts;
        this.devices = devices;
        this.plugins = plugins;
        this.listeners = listeners;
        this.events = events;
        this.properties = properties;
        this.random = random;
        this.clock = clock;
    }

    /**
     * The options of a new registration, with a fresh challenge valid for
     * {@code otpgate.webauthn.challenge-lifetime} (also the {@code timeout}). The user's registered credentials are
     * excluded (an authenticator holding one says so instead of making a second).
     *
     * @param userName shown by the authenticator to pick the account (the login name); null or blank for the
     *     account's name
     * @param displayName the user's name in words; null or blank for {@code userName}
     * @throws OtpgateException INVALID if a name is longer than 255 characters
     */
    @Transactional
    public PasskeyOptions.Creation options(AccountRef account, String userName, String displayName) {
        String name = userName == null || userName.isBlank() ? account.accountName() : userName.strip();
        String display = displayName == null || displayName.isBlank() ? name : displayName.strip();
        if (name.length() > MAX_USER_NAME || display.length() > MAX_USER_NAME) {
            throw OtpgateException.invalid("userName and displayName must be at most " + MAX_USER_NAME
                    + " characters");
        }
        accounts.lock(account.accountId());
        List<WebAuthnDevice> registered = credentials.findByAccount(account.accountId());
        byte[] userHandle = registered.isEmpty() ? newUserHandle() : registered.get(0).userHandle();
        byte[] challenge = challenges.issue(account.accountId(), Purpose.REGISTRATION, userHandle,
                properties.challengeLifetime());
        return new PasskeyOptions.Creation(new RelyingParty(properties.rpId(), properties.rpName()),
                new User(WebAuthnCodec.base64url(userHandle), name, display), WebAuthnCodec.base64url(challenge),
                WebAuthnCodec.ALGORITHMS.stream()
                        .map(p -> new CredentialParameters(p.getType().getValue(), p.getAlg().getValue())).toList(),
                properties.challengeLifetime().toMillis(), descriptors(registered),
                new AuthenticatorSelection("preferred", false, "preferred"), "none");
    }

    static List<CredentialDescriptor> descriptors(List<WebAuthnDevice> registered) {
        return registered.stream().map(d -> new CredentialDescriptor("public-key",
                WebAuthnCodec.base64url(d.credentialId()), transports(d.transports()))).toList();
    }

    static List<String> transports(String stored) {
        return stored == null || stored.isEmpty() ? List.of() : List.of(stored.split(","));
    }

    private byte[] newUserHandle() {
        byte[] handle = new byte[USER_HANDLE_BYTES];
        random.nextBytes(handle);
        return handle;
    }

    /**
     * Verifies the browser's answer to {@link #options} and stores the new credential, confirmed. In one
     * transaction: the account is locked, the challenge named by the client data is consumed (whatever the outcome),
     * the origin, the relying-party id, user presence and the key are checked, and the credential is stored; a
     * refusal stores nothing. A first device switches the user's second factor on (the listeners are told, recovery
     * codes waiting for a setup become valid, {@code DEVICE_CONFIRMED} is recorded). {@code DEVICE_ADDED} is recorded
     * for every passkey and tells the user ({@code SecurityNotification.Kind.PASSKEY_ADDED}).
     *
     * @param credentialJson the {@code PublicKeyCredential} as its {@code toJSON()} gives it: {@code {id, rawId,
     *     type, response: {clientDataJSON, attestationObject, transports?}, clientExtensionResults,
     *     authenticatorAttachment?}}, binary values base64url
     * @param origin the origin the request came from (its {@code Origin} header), or null if unknown: when given it
     *     must be allowed and equal to the client data's; the client data's must be allowed in any case
     * @param deviceName the name the user gave it; null or blank for {@value #DEFAULT_NAME}
     * @param clientAddress for the security log, or null
     * @throws OtpgateException INVALID if the name is longer than {@value #MAX_NAME} characters (nothing is read)
     */
    @Transactional
    public RegistrationOutcome finish(long accountId, String credentialJson, String origin, String deviceName,
            String clientAddress) {
        String name = deviceName == null || deviceName.isBlank() ? DEFAULT_NAME : deviceName.strip();
        if (name.length() > MAX_NAME) {
            throw OtpgateException.invalid("device name must be 1.." + MAX_NAME + " characters");
        }
        Optional<RegistrationData> parsed = codec.registration(credentialJson);
        if (parsed.isEmpty()) {
            return refused(WebAuthnRefusal.MALFORMED);
        }
        RegistrationData data = parsed.get();
        if (accounts.lock(accountId).isEmpty()) {
            return refused(WebAuthnRefusal.CHALLENGE_UNKNOWN);
        }
        Instant now = clock.instant();
        Optional<Consumed> challenge = challenges.consume(accountId, Purpose.REGISTRATION,
                data.getCollectedClientData().getChallenge().getValue());
        if (challenge.isEmpty()) {
            return refused(WebAuthnRefusal.CHALLENGE_UNKNOWN);
        }
        if (!challenge.get().expiresAt().isAfter(now)) {
            return refused(WebAuthnRefusal.CHALLENGE_EXPIRED);
        }
        Origin clientOrigin = data.getCollectedClientData().getOrigin();
        if (!originAllowed(clientOrigin, origin)) {
            return refused(WebAuthnRefusal.ORIGIN_NOT_ALLOWED);
        }
        try {
            codec.manager().verify(data, new RegistrationParameters(codec.serverProperty(clientOrigin,
                    properties.rpId(), data.getCollectedClientData().getChallenge().getValue()),
                    WebAuthnCodec.ALGORITHMS, false, true));
        } catch (VerificationException e) {
            return refused(WebAuthnRefusal.NOT_VERIFIED);
        } catch (WebAuthnException e) {
            return refused(WebAuthnRefusal.MALFORMED);
        }
        AuthenticatorData<RegistrationExtensionAuthenticatorOutput> authenticator = data.getAttestationObject()
                .getAuthenticatorData();
        AttestedCredentialData attested = authenticator.getAttestedCredentialData();
        if (credentials.credentialIdExists(attested.getCredentialId())) {
            return refused(WebAuthnRefusal.CREDENTIAL_EXISTS);
        }
        byte[] userHandle = challenge.get().userHandle() != null ? challenge.get().userHandle()
                : credentials.userHandle(accountId).orElseGet(this::newUserHandle);
        boolean had = devices.hasConfirmedDevice(accountId);
        long id = credentials.insert(accountId, name, attested.getCredentialId(),
                codec.publicKeyBytes(attested.getCOSEKey()), userHandle, authenticator.getSignCount(),
                authenticator.isFlagUV(), authenticator.isFlagBE(), authenticator.isFlagBS(),
                transports(data), data.getAttestationObject().getFormat(), now);
        DeviceRef ref = new DeviceRef(DeviceKind.WEBAUTHN, id);
        String flags = (authenticator.isFlagBE() ? "passkey" : "security key")
                + (authenticator.isFlagBS() ? ", synced" : "") + (authenticator.isFlagUV() ? ", user verified" : "");
        events.record(SecurityEventKind.DEVICE_ADDED, accountId, ref.persistentId(), clientAddress, flags);
        int codes = 0;
        if (!had) {
            for (DevicePlugin plugin : plugins) {
                codes += plugin.confirmWith(accountId);
            }
            listeners.forEach(listener -> listener.secondFactorChanged(accountId, true, now));
        }
        if (!had) {
            // The first device: the second factor is on, as when a first code confirms a TOTP device.
            events.record(SecurityEventKind.DEVICE_CONFIRMED, accountId, ref.persistentId(), clientAddress,
                    codes > 0 ? "with its recovery codes" : null);
        }
        return new RegistrationOutcome.Registered(ref, name, authenticator.isFlagUV(), authenticator.isFlagBE(),
                authenticator.isFlagBS());
    }

    /** Whether the client data's origin is allowed, and equal to the request's when that is known. */
    boolean originAllowed(Origin clientOrigin, String requestOrigin) {
        String client = clientOrigin.toString();
        return properties.allows(client) && (requestOrigin == null || requestOrigin.equals(client));
    }

    private static String transports(RegistrationData data) {
        if (data.getTransports() == null || data.getTransports().isEmpty()) {
            return null;
        }
        String joined = data.getTransports().stream().map(AuthenticatorTransport::getValue)
                .filter(t -> t != null && t.matches("[a-z0-9-]{1,32}")).map(t -> t.toLowerCase(Locale.ROOT))
                .sorted().distinct().collect(Collectors.joining(","));
        return joined.isEmpty() || joined.length() > 255 ? null : joined;
    }

    private static RegistrationOutcome refused(WebAuthnRefusal reason) {
        return new RegistrationOutcome.Refused(reason);
    }
}
