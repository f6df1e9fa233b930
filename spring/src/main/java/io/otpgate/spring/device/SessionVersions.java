package io.otpgate.spring.device;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;

/**
 * Ends all of a user's sessions at once, on every instance: bumps the account's session version
 * ({@link Accounts#endSessions(long)}) and records {@code SESSIONS_ENDED} with the reason. Every kind of session
 * (a token family, an admin session, a remembered browser) records the version it began under
 * ({@link Accounts#sessionVersion(long)}) and ends when it is no longer the current one.
 */
@Service
public class SessionVersions {

    /** The reasons, as the security log words them. */
    public static final String PASSWORD_CHANGED = "password changed";
    public static final String DEACTIVATED = "user deactivated";
    public static final String SECOND_FACTOR_RESET = "second factor reset";
    public static final String RECOVERY_CODES_REPLACED = "recovery codes replaced";
    public static final String RECOVERY_CODES_DELETED = "recovery codes deleted";
    public static final String LOG_OUT_EVERYWHERE = "log out everywhere";

    private final Accounts accounts;
    private final SecurityEvents events;

    SessionVersions(Accounts accounts, SecurityEvents events) {
        this.accounts = accounts;
        this.events = events;
    }

    /** The account's current session version (0 for a user without an account). */
    public long current(long accountId) {
        return accounts.sessionVersion(accountId);
    }

    /**
     * Ends every session of the account: the version is bumped in the caller's transaction (so a change that rolls
     * back ends nothing) and the event recorded.
     *
     * @param reason one of this class's reasons, or a short text of the caller's (never a secret)
     * @param clientAddress for the security log, or null (a command)
     * @return the new version
     */
    @Transactional
    public long endAll(long accountId, String reason, String clientAddress) {
        long version = accounts.endSessions(accountId);
        events.record(SecurityEventKind.SESSIONS_ENDED, accountId, null, clientAddress, reason);
        return version;
    }
}
