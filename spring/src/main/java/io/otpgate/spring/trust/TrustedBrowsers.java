package io.otpgate.spring.trust;

import java.security.SecureRandom;
import java.util.Base64;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.core.RecoveryCodeDigest;
import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.Accounts;
import io.otpgate.spring.secret.ServerKey;
import io.otpgate.spring.secret.ServerKeys;

/**
 * Browsers a user trusted after a second factor ("don't ask again on this browser"). The browser holds a value of
 * {@value #VALUE_BYTES} random bytes (base64url, in the {@link TrustedBrowserCookies cookie}); the database keeps
 * only its HMAC-SHA-256 under the server's trusted-browser key, bound to the account, so a database dump reveals no
 * value, and a value is found by its digest with one indexed lookup.
 *
 * <p>A trusted browser is valid for its own account only (a value carried to another user's login finds no row),
 * until it expires ({@code otpgate.trusted-browser.duration} after it was trusted), and while the account's session
 * version is the one it was made under: a password change, a second-factor reset, the removal of the last device, a
 * deactivation, "log out everywhere" and new recovery codes end it (and {@link TrustedBrowsersEnd} deletes the rows).
 * It grants the distinct factor {@code FACTOR_OTP_REMEMBERED}, never {@code FACTOR_OTP}.
 */
@Service
public class TrustedBrowsers {

    /** Random bytes in a value. */
    public static final int VALUE_BYTES = 32;
    /** The length of a value: 32 bytes in base64url without padding. */
    public static final int VALUE_LENGTH = 43;
    /** An account keeps at most this many trusted browsers: the oldest go as new ones come. */
    public static final int MAX_PER_ACCOUNT = 20;

    private final TrustedBrowserRepository rows;
    private final Accounts accounts;
    private final ServerKeys keys;
    private final SecurityEvents events;
    private final SecureRandom random;
    private final TrustedBrowserProperties properties;
    private volatile RecoveryCodeDigest digest;

    TrustedBrowsers(TrustedBrowserRepository rows, Accounts accounts, ServerKeys keys, SecurityEvents events,
            SecureRandom random, TrustedBrowserProperties properties) {
        this.rows = rows;
        this.accounts = accounts;
        this.keys = keys;
        this.events = events;
        this.random = random;
        this.properties = properties;
    }

    /** Whether trusted browsers are offered and honoured ({@code otpgate.trusted-browser.enabled}). */
    public boolean enabled() {
        return properties.enabled();
    }

    /** The settings. */
    public TrustedBrowserProperties properties() {
        return properties;
    }

    /**
     * Trusts the browser of a request that has just passed the second factor: stores the new value's digest and
     * returns the value, for the cookie only (never log it). Deletes the account's expired and outdated rows, and its
     * oldest beyond {@value #MAX_PER_ACCOUNT}.
     *
     * @param userAgent the request's {@code User-Agent}, or null: only a short description is kept
     * @param clientAddress for the security log, or null
     * @return the value, {@value #VALUE_LENGTH} base64url characters
     */
    @Transactional
    public String remember(long accountId, String userAgent, String clientAddress, Instant now) {
        byte[] bytes = new byte[VALUE_BYTES];
        random.nextBytes(bytes);
        String value = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        String description = BrowserDescription.of(userAgent);
        rows.deleteDead(accountId, now);
        rows.insert(accountId, digest(accountId, value), description, accounts.sessionVersion(accountId), now,
                now.plus(properties.duration()));
        rows.keepNewest(accountId, MAX_PER_ACCOUNT);
        events.record(SecurityEventKind.TRUSTED_BROWSER_ADDED, accountId, null, clientAddress, description);
        return value;
    }

    /**
     * Whether a value (from the cookie) trusts this account's browser now; if so its last use becomes {@code now}. An
     * expired or outdated row found is deleted. A value of the wrong shape is refused before any digest.
     *
     * @param value the cookie's value as sent, or null
     */
    @Transactional
    public boolean check(long accountId, String value, Instant now) {
        if (!wellFormed(value)) {
            return false;
        }
        Optional<TrustedBrowserRepository.Found> found = rows.find(accountId, digest(accountId, value));
        if (found.isEmpty()) {
            return false;
        }
        if (!found.get().currentVersion() || !now.isBefore(found.get().expiresAt())) {
            rows.delete(accountId, found.get().id());
            return false;
        }
        rows.touch(found.get().id(), now);
        return true;
    }

    /** The account's browsers that are still trusted at {@code now}, the most recently used first. */
    @Transactional(readOnly = true)
    public List<TrustedBrowser> list(long accountId, Instant now) {
        return rows.list(accountId, now);
    }

    /**
     * Stops trusting one of the account's browsers.
     *
     * @param clientAddress for the security log, or null (a command)
     * @return false if the account has no browser of that id
     */
    @Transactional
    public boolean revoke(long accountId, long id, String clientAddress) {
        boolean deleted = rows.delete(accountId, id);
        if (deleted) {
            events.record(SecurityEventKind.TRUSTED_BROWSER_REVOKED, accountId, null, clientAddress, "1 browser");
        }
        return deleted;
    }

    /**
     * Stops trusting all of the account's browsers.
     *
     * @return how many rows went (expired ones included)
     */
    @Transactional
    public int revokeAll(long accountId, String clientAddress) {
        int deleted = rows.deleteAll(accountId);
        if (deleted > 0) {
            events.record(SecurityEventKind.TRUSTED_BROWSER_REVOKED, accountId, null, clientAddress,
                    deleted + (deleted == 1 ? " browser" : " browsers"));
        }
        return deleted;
    }

    /** Deletes every row of the account without a security event (its sessions were ended: that event says why). */
    void forget(long accountId) {
        rows.deleteAll(accountId);
    }

    /** Whether a value can be one of ours: {@value #VALUE_LENGTH} base64url characters. */
    static boolean wellFormed(String value) {
        if (value == null || value.length() != VALUE_LENGTH) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** The digest of a value for an account: the account id is in it, so a row names one account's browser. */
    private byte[] digest(long accountId, String value) {
        // The same keyed HMAC-SHA-256 as recovery codes, under a key of its own.
        RecoveryCodeDigest current = digest;
        if (current == null) {
            current = new RecoveryCodeDigest(keys.get(ServerKey.TRUSTED_BROWSER));
            digest = current;
        }
        return current.digest("trusted-browser:" + accountId + ":" + value);
    }
}
