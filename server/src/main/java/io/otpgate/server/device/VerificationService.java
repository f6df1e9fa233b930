package io.otpgate.server.device;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.otpgate.core.HotpMatch;
import io.otpgate.core.Throttle;
import io.otpgate.core.ThrottleDecision;
import io.otpgate.core.ThrottleState;
import io.otpgate.core.TotpMatch;
import io.otpgate.server.audit.SecurityEventKind;
import io.otpgate.server.audit.SecurityEvents;
import io.otpgate.server.hotp.HotpDevice;
import io.otpgate.server.hotp.HotpDeviceRepository;
import io.otpgate.server.recovery.RecoveryCodeDigests;
import io.otpgate.server.recovery.StaticDevice;
import io.otpgate.server.recovery.StaticDeviceRepository;
import io.otpgate.server.system.SqlTime;
import io.otpgate.server.totp.TotpDevice;
import io.otpgate.server.totp.TotpDeviceRepository;
import io.otpgate.server.user.UserRepository;

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
 */
@Service
public class VerificationService {

    private final JdbcClient jdbc;
    private final TotpDeviceRepository totpDevices;
    private final HotpDeviceRepository hotpDevices;
    private final StaticDeviceRepository staticDevices;
    private final RecoveryCodeDigests digests;
    private final DeviceThrottling throttling;
    private final DeviceService devices;
    private final UserRepository users;
    private final SecurityEvents events;
    private final VerificationProperties properties;
    private final EnrolmentProperties enrolment;
    private final Throttle throttle;
    private final Clock clock;

    VerificationService(JdbcClient jdbc, TotpDeviceRepository totpDevices, HotpDeviceRepository hotpDevices,
            StaticDeviceRepository staticDevices, RecoveryCodeDigests digests, DeviceThrottling throttling,
            DeviceService devices, UserRepository users, SecurityEvents events, VerificationProperties properties,
            EnrolmentProperties enrolment, Clock clock) {
        this.jdbc = jdbc;
        this.totpDevices = totpDevices;
        this.hotpDevices = hotpDevices;
        this.staticDevices = staticDevices;
        this.digests = digests;
        this.throttling = throttling;
        this.devices = devices;
        this.users = users;
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
     * @param clientAddress for the security log, or null
     */
    @Transactional
    public VerificationOutcome verify(long userId, String code, Set<DeviceKind> kinds, PendingSetups pending,
            String clientAddress) {
        Instant now = clock.instant();
        Optional<AccountState> account = lockAccount(userId);
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
            users.unlock(userId);
            throttling.clear(userId);
            events.record(SecurityEventKind.ACCOUNT_UNLOCKED, userId, null, clientAddress, "lock expired");
            account = Optional.of(new AccountState(0, null));
        }

        List<Candidate> candidates = lockCandidates(userId, kinds, pending != PendingSetups.NONE);
        if (candidates.stream().anyMatch(c -> !c.confirmed())) {
            boolean stillPending = pending == PendingSetups.ANY || !devices.hasConfirmedDevice(userId);
            candidates.removeIf(c -> !c.confirmed() && !(stillPending && enrolment.pendingAlive(c.createdAt(), now)));
        }
        if (candidates.isEmpty()) {
            return new VerificationOutcome.NoDevice();
        }
        List<Candidate> allowed = new ArrayList<>(candidates.size());
        Duration wait = null;
        Instant waitBegan = null;
        for (Candidate candidate : candidates) {
            ThrottleDecision decision = throttle.check(candidate.throttle(), now);
            if (decision instanceof ThrottleDecision.Delayed delayed) {
                wait = wait == null || delayed.retryAfter().compareTo(wait) < 0 ? delayed.retryAfter() : wait;
                Instant failure = candidate.throttle().lastFailure();
                waitBegan = waitBegan == null || failure.isAfter(waitBegan) ? failure : waitBegan;
            } else {
                allowed.add(candidate);
            }
        }
        if (allowed.isEmpty()) {
            // One row per wait: an attacker retrying as fast as the server answers must not fill the log.
            events.recordOnceSince(waitBegan, SecurityEventKind.OTP_THROTTLED, userId,
                    candidates.get(0).ref().persistentId(), clientAddress, "retry after " + wait.toSeconds() + " s");
            return new VerificationOutcome.Throttled(wait);
        }

        for (Candidate candidate : allowed) {
            if (candidate.accept(this, code, now)) {
                return verified(userId, account.get(), candidate, now, clientAddress);
            }
        }
        return rejected(userId, account.get(), allowed, now, clientAddress);
    }

    private VerificationOutcome verified(long userId, AccountState account, Candidate candidate, Instant now,
            String clientAddress) {
        DeviceRef ref = candidate.ref();
        boolean confirmedNow = !candidate.confirmed();
        if (confirmedNow) {
            int codes = staticDevices.confirmPending(userId);
            users.setOtpEnabled(userId, true, now);
            events.record(SecurityEventKind.DEVICE_CONFIRMED, userId, ref.persistentId(), clientAddress,
                    codes > 0 ? "with its recovery codes" : null);
        }
        if (account.failureCount() > 0) {
            jdbc.sql("update auth_user set otp_failure_count = 0 where id = ?").param(userId).update();
        }
        events.record(SecurityEventKind.OTP_VERIFIED, userId, ref.persistentId(), clientAddress, null);
        return new VerificationOutcome.Verified(ref, confirmedNow);
    }

    private VerificationOutcome rejected(long userId, AccountState account, List<Candidate> tried, Instant now,
            String clientAddress) {
        Duration retryAfter = null;
        for (Candidate candidate : tried) {
            throttling.recordFailure(candidate.ref(), now);
            Duration delay = throttle.delayAfter(candidate.throttle().failureCount() + 1);
            retryAfter = retryAfter == null || delay.compareTo(retryAfter) < 0 ? delay : retryAfter;
        }
        int failures = account.failureCount() + 1;
        boolean lock = failures >= properties.accountFailureLimit();
        jdbc.sql("update auth_user set otp_failure_count = ?, otp_locked_at = ? where id = ?")
                .params(failures, lock ? SqlTime.of(now) : null, userId).update();
        String devices = String.join(",", tried.stream().map(c -> c.ref().persistentId()).toList());
        events.record(SecurityEventKind.OTP_FAILED, userId, tried.size() == 1 ? devices : null, clientAddress,
                "failure " + failures + " of " + properties.accountFailureLimit()
                        + (tried.size() > 1 ? " on " + devices : ""));
        if (lock) {
            events.record(SecurityEventKind.ACCOUNT_LOCKED, userId, null, clientAddress,
                    failures + " consecutive failures");
        }
        return new VerificationOutcome.Rejected(retryAfter, lock);
    }

    private record AccountState(int failureCount, Instant lockedAt) {
    }

    private Optional<AccountState> lockAccount(long userId) {
        return jdbc.sql("select otp_failure_count, otp_locked_at from auth_user where id = ? for update")
                .param(userId)
                .query((rs, n) -> new AccountState(rs.getInt(1), SqlTime.instant(rs, "otp_locked_at")))
                .optional();
    }

    private List<Candidate> lockCandidates(long userId, Set<DeviceKind> kinds, boolean includePending) {
        Set<DeviceKind> wanted = kinds.isEmpty() ? EnumSet.noneOf(DeviceKind.class) : EnumSet.copyOf(kinds);
        List<Candidate> candidates = new ArrayList<>();
        if (wanted.contains(DeviceKind.TOTP)) {
            totpDevices.lockForVerification(userId, includePending).forEach(d -> candidates.add(new TotpCandidate(d)));
        }
        if (wanted.contains(DeviceKind.HOTP)) {
            hotpDevices.lockForVerification(userId, includePending).forEach(d -> candidates.add(new HotpCandidate(d)));
        }
        if (wanted.contains(DeviceKind.STATIC)) {
            staticDevices.lockForVerification(userId).forEach(d -> candidates.add(new StaticCandidate(d)));
        }
        return candidates;
    }

    /** A device that a code may belong to. */
    private sealed interface Candidate {
        DeviceRef ref();

        boolean confirmed();

        /** When the device was set up: a pending setup is tried only for a while. */
        Instant createdAt();

        ThrottleState throttle();

        /** Checks the code and, if it matches, records its use; false if it does not match or was used already. */
        boolean accept(VerificationService service, String code, Instant now);
    }

    private record TotpCandidate(TotpDevice device) implements Candidate {
        public DeviceRef ref() {
            return device.ref();
        }

        public boolean confirmed() {
            return device.confirmed();
        }

        public Instant createdAt() {
            return device.createdAt();
        }

        public ThrottleState throttle() {
            return device.throttle();
        }

        public boolean accept(VerificationService service, String code, Instant now) {
            Optional<TotpMatch> match = device.totp().verify(service.totpDevices.secret(device), code, now,
                    device.tolerance(), device.drift(), device.minStep());
            return match.isPresent()
                    && service.totpDevices.recordSuccess(device.id(), match.get().step(), match.get().drift(), now);
        }
    }

    private record HotpCandidate(HotpDevice device) implements Candidate {
        public DeviceRef ref() {
            return device.ref();
        }

        public boolean confirmed() {
            return device.confirmed();
        }

        public Instant createdAt() {
            return device.createdAt();
        }

        public ThrottleState throttle() {
            return device.throttle();
        }

        public boolean accept(VerificationService service, String code, Instant now) {
            Optional<HotpMatch> match = device.hotp().verify(service.hotpDevices.secret(device), code,
                    device.counter(), device.tolerance());
            return match.isPresent() && service.hotpDevices.recordSuccess(device.id(), device.counter(),
                    match.get().nextCounter(), now);
        }
    }

    private record StaticCandidate(StaticDevice device) implements Candidate {
        public DeviceRef ref() {
            return device.ref();
        }

        public boolean confirmed() {
            return true;
        }

        public Instant createdAt() {
            return device.createdAt();
        }

        public ThrottleState throttle() {
            return device.throttle();
        }

        public boolean accept(VerificationService service, String code, Instant now) {
            if (!service.staticDevices.consume(device.id(), service.digests.candidates(code))) {
                return false;
            }
            service.staticDevices.recordSuccess(device.id(), now);
            return true;
        }
    }
}
