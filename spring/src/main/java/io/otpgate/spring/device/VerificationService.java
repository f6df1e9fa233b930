package io.otpgate.spring.device;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.core.Throttle;
import io.otpgate.core.ThrottleDecision;
import io.otpgate.spring.audit.SecurityEventKind;
import io.otpgate.spring.audit.SecurityEvents;
import io.otpgate.spring.device.AccountRepository.AccountState;
import io.otpgate.spring.device.FailureMemory.Failures;
import io.otpgate.spring.device.FailureMemory.Snapshot;
import io.otpgate.spring.notify.Notifications;

/**
 * The one place where a second-factor code is verified. Everything else (the REST API, the admin panel) calls
 * {@link #verify}.
 *
 * <p>One attempt is one transaction: the user's row is locked first ({@code SELECT ... FOR UPDATE}), which orders
 * all attempts on one account, across server instances sharing one database; then the devices are locked, the
 * account lock and each device's throttle are checked, the code is checked, and the outcome (used step, drift or
 * counter, consumed recovery code, failure counts, confirmation, security event) is written before the
 * transaction commits. The writes are also conditional ({@code last_step < step}, {@code counter = read},
 * a delete that must hit one row), so a code is accepted at most once even without the lock.
 *
 * <p>Waits (issue 14): an attacker who holds the password must not gain new guesses from the owner's successes. So a
 * code from an address the user has passed the factor from lately (familiar) waits on the familiar failures since the
 * last success, which that success ends, as django-otp's throttle does; a code from anywhere else waits on every
 * unfamiliar failure of the last {@code failure-memory} (30 days), doubling from the throttle factor, and on each
 * device's throttle. A success forgives only its own address's failures of the last {@code forgive-within}: the
 * owner's mistypes. What remains since the previous success is reported ({@link VerificationOutcome.Verified#wrongCodes}).
 */
@Service
public class VerificationService {

    private static final Duration FAMILIAR_REFRESH = Duration.ofHours(1);

    private final DeviceThrottling throttling;
    private final DeviceService devices;
    private final AccountRepository accounts;
    private final FailureMemory memory;
    private final Notifications notifications;
    private final List<SecondFactorListener> listeners;
    private final SecurityEvents events;
    private final VerificationProperties properties;
    private final EnrolmentProperties enrolment;
    private final Throttle throttle;
    private final Clock clock;

    VerificationService(DeviceThrottling throttling, DeviceService devices, AccountRepository accounts,
            FailureMemory memory, Notifications notifications, List<SecondFactorListener> listeners, SecurityEvents events, VerificationProperties properties,
            EnrolmentProperties enrolment, Clock clock) {
        this.throttling = throttling;
        this.devices = devices;
        this.accounts = accounts;
        this.memory = memory;
        this.notifications = notifications;
        this.listeners = listeners;
        this.events = events;
        this.properties = properties;
        this.enrolment = enrolment;
        this.throttle = properties.throttle();
        this.clock = clock;
    }

    /**
     * A TOTP or HOTP code as typed, if it has the shape of one: ASCII digits, 6 to 8 of them once spaces are
     * dropped. Callers refuse anything else before it is checked, so that it counts as no attempt.
     */
    public static Optional<String> oneTimeCode(String typed) {
        String code = typed == null ? "" : typed.replace(" ", "");
        boolean shaped = code.length() >= 6 && code.length() <= 8 && code.chars().allMatch(c -> c >= '0' && c <= '9');
        return shaped ? Optional.of(code) : Optional.empty();
    }

    /**
     * Verifies a code for a user against the user's devices of the given kinds.
     *
     * @param code what the user typed (a one-time code or a recovery code); a null or malformed one is a failed
     *     attempt like any wrong code
     * @param kinds the kinds of device to try
     * @param pending which unconfirmed TOTP or HOTP devices may be tried (and are confirmed by their first code);
     *     recovery codes waiting for a pending setup are never accepted
     * @param clientAddress the client's address, or null (then always unfamiliar): which failures set the wait, and
     *     for the security log
     */
    @Transactional
    public VerificationOutcome verify(long userId, String code, Set<DeviceKind> kinds, PendingSetups pending,
            String clientAddress) {
        Instant now = clock.instant();
        Optional<AccountState> account = accounts.lock(userId);
        if (account.isEmpty()) {
            return new VerificationOutcome.NoDevice();
        }
        if (account.get().lockedAt() != null) {
            Instant until = properties.accountLockEnd(account.get().lockedAt());
            if (until == null || now.isBefore(until)) {
                events.recordOnceSince(account.get().lockedAt(), SecurityEventKind.OTP_REFUSED_LOCKED, userId, null,
                        clientAddress, until == null ? "locked until unlocked" : "locked until " + until);
                return new VerificationOutcome.Locked(until);
            }
            // The lock ends whole: the devices' throttles, which grew with the same failures, end with it.
            accounts.unlock(userId);
            throttling.clear(userId);
            events.record(SecurityEventKind.ACCOUNT_UNLOCKED, userId, null, clientAddress, "lock expired");
            account = Optional.of(new AccountState(0, null, account.get().lastVerifiedAt()));
            memory.clear(userId);
        }

        List<VerifiableDevice> candidates = lockCandidates(userId, kinds, pending != PendingSetups.NONE);
        if (candidates.stream().anyMatch(c -> !c.confirmed())) {
            boolean stillPending = pending == PendingSetups.ANY || !devices.hasConfirmedDevice(userId);
            candidates.removeIf(c -> !c.confirmed() && !(stillPending && enrolment.pendingAlive(c.createdAt(), now)));
        }
        if (candidates.isEmpty()) {
            return new VerificationOutcome.NoDevice();
        }

        // Who may try now. From a familiar address (the user passed the factor from it lately), the failures of
        // familiar addresses since the last success set the wait, as django-otp's throttle does. From anywhere else,
        // the failures of unfamiliar addresses within the failure memory set it, and a success elsewhere does not
        // forgive them; each device's own throttle applies too.
        Snapshot seen = memory.snapshot(userId, clientAddress, now.minus(properties.failureMemory()),
                account.get().lastVerifiedAt());
        boolean familiar = seen.familiarSince() != null
                && seen.familiarSince().isAfter(now.minus(properties.familiarFor()));
        Failures counted = familiar ? seen.familiar() : seen.unfamiliar();
        Duration wait = remaining(counted.newest(), throttle.delayAfter(counted.count()), now);
        Instant waitBegan = wait == null ? null : counted.newest();
        List<VerifiableDevice> allowed = new ArrayList<>(candidates.size());
        Duration deviceWait = null;
        Instant deviceWaitBegan = null;
        for (VerifiableDevice candidate : candidates) {
            ThrottleDecision decision = familiar ? new ThrottleDecision.Allowed()
                    : throttle.check(candidate.throttle(), now);
            if (decision instanceof ThrottleDecision.Delayed delayed) {
                deviceWait = deviceWait == null || delayed.retryAfter().compareTo(deviceWait) < 0
                        ? delayed.retryAfter() : deviceWait;
                Instant failure = candidate.throttle().lastFailure();
                deviceWaitBegan = deviceWaitBegan == null || failure.isAfter(deviceWaitBegan) ? failure
                        : deviceWaitBegan;
            } else {
                allowed.add(candidate);
            }
        }
        if (allowed.isEmpty() && (wait == null || deviceWait.compareTo(wait) > 0)) {
            wait = deviceWait;
            waitBegan = deviceWaitBegan;
        }
        if (wait != null) {
            // One row per wait: an attacker retrying as fast as the server answers must not fill the log.
            events.recordOnceSince(waitBegan, SecurityEventKind.OTP_THROTTLED, userId,
                    candidates.get(0).ref().persistentId(), clientAddress, "retry after " + wait.toSeconds() + " s");
            return new VerificationOutcome.Throttled(wait);
        }

        for (VerifiableDevice candidate : allowed) {
            if (candidate.accept(code, now)) {
                return verified(userId, account.get(), seen, candidate, now, clientAddress);
            }
        }
        for (VerifiableDevice candidate : allowed) {
            if (candidate.usedAlready(code, now)) {
                events.count(SecurityEventKind.OTP_REPLAYED);
                return new VerificationOutcome.Replayed();
            }
        }
        return rejected(userId, account.get(), allowed, familiar, counted.count(), now, clientAddress);
    }

    /** What is left at {@code now} of a wait that began at {@code began}, or null if none is. */
    private static Duration remaining(Instant began, Duration wait, Instant now) {
        if (began == null || wait.isZero()) {
            return null;
        }
        Instant until = began.plus(wait);
        return now.isBefore(until) ? Duration.between(now, until) : null;
    }

    /**
     * Records a second factor proven without a typed code (a passkey's signed assertion) as an accepted code is
     * recorded: the failures since the user's previous success are reported (and told to the user), the address
     * becomes familiar, the account's consecutive failures end, and {@code OTP_VERIFIED} is written. Joins the
     * caller's transaction, which must hold the account's lock ({@link AccountRepository#lock}) and have checked the
     * account's second-factor lock; the proof's own kind has already recorded its use.
     *
     * @param account the state read by that lock
     * @param clientAddress the client's address, or null
     */
    public VerificationOutcome.Verified recordProof(long userId, AccountState account, DeviceRef device,
            String clientAddress) {
        Instant now = clock.instant();
        Snapshot seen = memory.snapshot(userId, clientAddress, now.minus(properties.failureMemory()),
                account.lastVerifiedAt());
        return verified(userId, account, seen, device, false, now, clientAddress);
    }

    private VerificationOutcome verified(long userId, AccountState account, Snapshot seen, VerifiableDevice candidate,
            Instant now, String clientAddress) {
        return verified(userId, account, seen, candidate.ref(), !candidate.confirmed(), now, clientAddress);
    }

    private VerificationOutcome.Verified verified(long userId, AccountState account, Snapshot seen, DeviceRef ref,
            boolean confirmedNow, Instant now, String clientAddress) {
        if (confirmedNow) {
            int codes = devices.plugins(EnumSet.allOf(DeviceKind.class)).stream()
                    .mapToInt(plugin -> plugin.confirmWith(userId)).sum();
            listeners.forEach(listener -> listener.secondFactorChanged(userId, true, now));
            events.record(SecurityEventKind.DEVICE_CONFIRMED, userId, ref.persistentId(), clientAddress,
                    codes > 0 ? "with its recovery codes" : null);
        }
        // The owner's own mistypes just before: forgiven. Whatever is left since the last success was someone else.
        int wrongCodes = 0;
        if (seen.sinceLastSuccess() > 0) {
            memory.forgive(userId, clientAddress, now.minus(properties.forgiveWithin()));
            wrongCodes = memory.countSince(userId, account.lastVerifiedAt());
        }
        // Kept familiar: written at most once an hour per address (the setting counts in days).
        if (seen.familiarSince() == null || seen.familiarSince().isBefore(now.minus(FAMILIAR_REFRESH))) {
            memory.verifiedFrom(userId, clientAddress, now);
        }
        // The time of the last success bounds the failures reported at the next one. With no failure since the
        // stored time, counting from it or from now is the same, so the usual login leaves the account row alone.
        if (account.failureCount() > 0 || seen.sinceLastSuccess() > 0) {
            accounts.recordSuccess(userId, now);
        }
        events.record(SecurityEventKind.OTP_VERIFIED, userId, ref.persistentId(), clientAddress, null);
        if (wrongCodes > 0) {
            events.record(SecurityEventKind.WRONG_CODES_REPORTED, userId, null, clientAddress,
                    wrongCodes + (wrongCodes == 1 ? " wrong code" : " wrong codes") + " since the last success");
            notifications.wrongCodes(userId, wrongCodes, clientAddress);
        }
        return new VerificationOutcome.Verified(ref, confirmedNow, wrongCodes);
    }

    private VerificationOutcome rejected(long userId, AccountState account, List<VerifiableDevice> tried,
            boolean familiar, int counted, Instant now, String clientAddress) {
        Duration retryAfter = throttle.delayAfter(counted + 1);
        if (!familiar) {
            Duration deviceDelay = null;
            for (VerifiableDevice candidate : tried) {
                Duration delay = throttle.delayAfter(candidate.throttle().failureCount() + 1);
                deviceDelay = deviceDelay == null || delay.compareTo(deviceDelay) < 0 ? delay : deviceDelay;
            }
            retryAfter = deviceDelay.compareTo(retryAfter) > 0 ? deviceDelay : retryAfter;
        }
        for (VerifiableDevice candidate : tried) {
            throttling.recordFailure(candidate.ref(), now);
        }
        memory.record(userId, now, clientAddress, familiar, now.minus(properties.failureMemory()));
        int failures = account.failureCount() + 1;
        boolean lock = failures >= properties.accountFailureLimit();
        accounts.recordFailures(userId, failures, lock ? now : null);
        String devices = String.join(",", tried.stream().map(c -> c.ref().persistentId()).toList());
        events.record(SecurityEventKind.OTP_FAILED, userId, tried.size() == 1 ? devices : null, clientAddress,
                "failure " + failures + " of " + properties.accountFailureLimit()
                        + (tried.size() > 1 ? " on " + devices : "") + (familiar ? "" : ", unfamiliar address"));
        if (lock) {
            events.record(SecurityEventKind.ACCOUNT_LOCKED, userId, null, clientAddress,
                    failures + " consecutive failures");
        }
        return new VerificationOutcome.Rejected(retryAfter, lock);
    }

    private List<VerifiableDevice> lockCandidates(long userId, Set<DeviceKind> kinds, boolean includePending) {
        List<VerifiableDevice> candidates = new ArrayList<>();
        for (DevicePlugin plugin : devices.plugins(kinds)) {
            candidates.addAll(plugin.lockForVerification(userId, includePending));
        }
        return candidates;
    }
}
