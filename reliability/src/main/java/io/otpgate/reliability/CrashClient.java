package io.otpgate.reliability;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import tools.jackson.databind.JsonNode;

import io.otpgate.core.OtpAuthUri;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.Totp;
import io.otpgate.reliability.UserJournal.CodeSet;
import io.otpgate.reliability.UserJournal.CodeState;
import io.otpgate.reliability.UserJournal.Enrolment;
import io.otpgate.reliability.UserJournal.Op;
import io.otpgate.reliability.UserJournal.Outcome;
import io.otpgate.reliability.UserJournal.Seen;

/**
 * The client of one user in {@code crash-safety}: a state machine that sends one request a {@link #step}, over and
 * over, through the cycle
 *
 * <pre>
 *   enabled:  recovery-code logins (2 a cycle), unanswered codes sent again, a used code replayed, a TOTP code
 *             (turning 2FA off needs a device's code, not a recovery code's token), then DELETE
 *   disabled: POST /api/totp/create (a pending device and 5 codes)
 *   pending:  a pending code tried (must be refused), then the first TOTP code (confirms the device)
 * </pre>
 *
 * and records each request and its outcome in its {@link UserJournal}. A request without an answer (the server was
 * killed) is never assumed to have happened or not: the client asks the server where it stands
 * ({@code GET /api/totp/status}, then a TOTP code if 2FA is on) and carries on from there. An answer that nothing
 * the client saw before explains (a valid code refused, a 409 after a deletion that answered 200) is a surprise,
 * counted in {@link CrashLoad#SURPRISES}; the client then asks where it stands too.
 *
 * <p>Used by one thread at a time. Never prints a secret, a code or a token.
 */
final class CrashClient {

    /** The TOTP settings the server gives new devices by default (and the dump's devices have). */
    static final Totp TOTP = Totp.defaults();

    private enum Phase { LOGIN, RESYNC, VERIFY, ENABLED, DISABLED, PENDING }

    private static final Duration LONGEST_WAIT = Duration.ofSeconds(40);
    private static final int MAX_SURPRISES = 20;

    private final KnownUser user;
    private final UserJournal journal;
    private final CrashChecks.Findings live;
    private final CrashLoad.Statuses statuses;
    private final int recoveriesPerCycle;
    private Phase phase = Phase.LOGIN;
    private String token;
    /** Whether the token came from a device's code (TOTP), which turning 2FA off asks for (step-up). */
    private boolean tokenFromDevice;
    private Enrolment current;
    private int recoveredThisCycle;
    private boolean replayProbed;
    private boolean pendingProbed;
    private int verifyCandidate;
    private long notBefore = System.nanoTime();
    private boolean lastUnanswered;
    /**
     * Whether a request that ends the user's sessions (a reset) got no answer since the last status: if it was
     * committed, the token this client holds was ended with it, and the next status answers 401.
     */
    private boolean sessionsMayHaveEnded;
    private int surprises;
    private boolean lost;

    /**
     * @param user as imported: a confirmed TOTP device and recovery codes
     * @param live where the surprises, replayed codes accepted and pending codes accepted are counted
     * @param statuses where every answer is counted by status
     * @param recoveriesPerCycle recovery-code logins between a confirmation and the next deletion (at most 4 of
     *     the 5 codes, so that one is left for the replay and pending probes to be meaningful)
     */
    CrashClient(KnownUser user, CrashChecks.Findings live, CrashLoad.Statuses statuses, int recoveriesPerCycle) {
        this.user = user;
        this.journal = new UserJournal(user.username());
        this.live = live;
        this.statuses = statuses;
        this.recoveriesPerCycle = recoveriesPerCycle;
        this.current = journal.imported(user.totpSecret(), user.recoveryCodes());
        journal.seen(Seen.ENABLED, current);
    }

    UserJournal journal() {
        return journal;
    }

    String username() {
        return user.username();
    }

    /** Whether it may send now (not waiting for a throttle or a time step, not given up). */
    boolean ready(long nanoTime) {
        return !lost && nanoTime - notBefore >= 0;
    }

    /** Whether its last request was answered, so that it knows where its user stands (or it gave up). */
    boolean settled() {
        return lost || (journal.seen() != Seen.UNKNOWN && phase != Phase.RESYNC && phase != Phase.VERIFY);
    }

    /** Whether it gave up on its user (too many surprises, or no known secret works). */
    boolean lost() {
        return lost;
    }

    /** Whether it holds an access token (its password login is behind it). */
    boolean loggedIn() {
        return token != null || lost;
    }

    /** Whether the last request got no answer. */
    boolean lastUnanswered() {
        return lastUnanswered;
    }

    /** Gives up: the run ended before it could find out where its user stands. */
    void giveUp(String why) {
        if (!lost) {
            lost = true;
            live.add(CrashLoad.LOST_TRACK, user.username() + ": " + why);
        }
    }

    /** Sends the next request of the cycle. */
    void step(Api api) {
        lastUnanswered = false;
        switch (phase) {
            case LOGIN -> login(api);
            case RESYNC -> resync(api);
            case VERIFY -> verify(api);
            case ENABLED -> enabled(api);
            case DISABLED -> create(api);
            case PENDING -> pending(api);
        }
    }

    private void login(Api api) {
        Api.Response response = send(api, Op.LOGIN, "POST", "/api/token", false,
                Map.of("username", user.username(), "password", user.password()));
        if (response == null || waitIfThrottled(response)) {
            return;
        }
        if (response.status() == 200) {
            token = response.text("access");
            tokenFromDevice = false;
            phase = Phase.RESYNC;
        } else {
            surprise(Op.LOGIN, response, "200");
            pause(Duration.ofSeconds(1));
        }
    }

    /** Asks where the user stands: 2FA on (then a TOTP code gives a verified token) or off. */
    private void resync(Api api) {
        if (token == null) {
            phase = Phase.LOGIN;
            return;
        }
        journal.seen(Seen.UNKNOWN, null);
        Api.Response response = send(api, Op.STATUS, "GET", "/api/totp/status", true, null);
        if (response == null) {
            return;
        }
        JsonNode enabled = response.body().path("isOtpEnabled");
        boolean mayHaveEnded = sessionsMayHaveEnded;
        sessionsMayHaveEnded = false;
        if (response.status() == 401 && mayHaveEnded) {
            // The unanswered reset was committed: it ended this session (and its answer's new pair was lost).
            token = null;
            phase = Phase.LOGIN;
            return;
        }
        if (response.status() == 200 && enabled.isBoolean()) {
            if (enabled.booleanValue()) {
                verifyCandidate = 0;
                phase = Phase.VERIFY;
            } else {
                // Off, with or without a pending setup: create shows the pending one again, or makes one.
                phase = Phase.DISABLED;
            }
        } else {
            surprise(Op.STATUS, response, "200 with isOtpEnabled");
            if (response.status() == 401) {
                token = null;
                phase = Phase.LOGIN;
            }
        }
    }

    /** 2FA is on: a code of the newest enrolment (the confirmed device) gives a verified token. */
    private void verify(Api api) {
        List<Enrolment> enrolments = new ArrayList<>(journal.enrolments());
        if (verifyCandidate >= enrolments.size()) {
            giveUp("2FA is on, but no code of a device the client knows is accepted");
            return;
        }
        Enrolment candidate = enrolments.get(enrolments.size() - 1 - verifyCandidate);
        Api.Response response = sendTotp(api, Op.TOTP_LOGIN, candidate).orElse(null);
        if (response == null) {
            return;
        }
        if (response.status() == 200) {
            token = response.text("access");
            tokenFromDevice = true;
            current = candidate;
            phase = Phase.ENABLED;
            journal.seen(Seen.ENABLED, candidate);
        } else {
            surprise(Op.TOTP_LOGIN, response, "200 for a code of the newest device");
            // Then an older device's code (only a lost commit can have brought one back).
            phase = Phase.VERIFY;
            verifyCandidate++;
            waitAfterFailure(response);
        }
    }

    private void enabled(Api api) {
        CodeSet set = current.currentSet();
        int unused = first(set, CodeState.NOT_SENT, CodeState.REFUSED_WHILE_PENDING);
        if (recoveredThisCycle < recoveriesPerCycle && unused >= 0) {
            recoveryLogin(api, set, unused);
            return;
        }
        int unanswered = first(set, CodeState.UNANSWERED);
        if (unanswered >= 0) {
            probeUnanswered(api, set, unanswered);
            return;
        }
        int accepted = first(set, CodeState.ACCEPTED);
        if (!replayProbed && accepted >= 0) {
            probeReplay(api, set, accepted);
            return;
        }
        if (!tokenFromDevice) {
            // A recovery code's token cannot turn 2FA off (step-up): the device's code first, as a client would.
            proveWithDevice(api);
            return;
        }
        delete(api);
    }

    /** A code of the confirmed device, for a token that may turn 2FA off. */
    private void proveWithDevice(Api api) {
        Api.Response response = sendTotp(api, Op.TOTP_LOGIN, current).orElse(null);
        if (response == null) {
            return;
        }
        if (response.status() == 200) {
            token = response.text("access");
            tokenFromDevice = true;
            journal.seen(Seen.ENABLED, current);
        } else {
            surprise(Op.TOTP_LOGIN, response, "200 for a code of the confirmed device");
            waitAfterFailure(response);
        }
    }

    private void recoveryLogin(Api api, CodeSet set, int index) {
        Api.Response response = sendCode(api, Op.RECOVERY_LOGIN, set.codes().get(index));
        if (response == null) {
            set.set(index, CodeState.UNANSWERED);
            return;
        }
        if (waitIfThrottled(response)) {
            return;
        }
        if (response.status() == 200) {
            set.set(index, CodeState.ACCEPTED);
            token = response.text("access");
            tokenFromDevice = false;
            recoveredThisCycle++;
            journal.seen(Seen.ENABLED, current);
        } else {
            set.set(index, CodeState.REFUSED);
            surprise(Op.RECOVERY_LOGIN, response, "200 for an unused code of a confirmed set");
            waitAfterFailure(response);
        }
    }

    /** A code sent without an answer, sent again: 200 if that request did not consume it, 400 if it did. */
    private void probeUnanswered(Api api, CodeSet set, int index) {
        Api.Response response = sendCode(api, Op.PROBE_UNANSWERED, set.codes().get(index));
        if (response == null || waitIfThrottled(response)) {
            return;
        }
        if (response.status() == 200) {
            set.set(index, CodeState.ACCEPTED);
            token = response.text("access");
            tokenFromDevice = false;
            journal.seen(Seen.ENABLED, current);
        } else if (response.status() == 400) {
            set.set(index, CodeState.CONSUMED_UNANSWERED);
            journal.seen(Seen.ENABLED, current);
            waitAfterFailure(response);
        } else {
            surprise(Op.PROBE_UNANSWERED, response, "200 or 400");
        }
    }

    /** A code accepted before, sent again: it must be refused. */
    private void probeReplay(Api api, CodeSet set, int index) {
        Api.Response response = sendCode(api, Op.PROBE_REPLAY, set.codes().get(index));
        if (response == null || waitIfThrottled(response)) {
            return;
        }
        replayProbed = true;
        if (response.status() == 200) {
            live.add(CrashLoad.REPLAY_ACCEPTED, user.username() + ": a recovery code accepted before was accepted "
                    + "again");
            token = response.text("access");
            tokenFromDevice = false;
        } else if (response.status() == 400) {
            journal.seen(Seen.ENABLED, current);
            waitAfterFailure(response);
        } else {
            surprise(Op.PROBE_REPLAY, response, "400");
        }
    }

    private void delete(Api api) {
        Api.Response response = send(api, Op.DELETE, "DELETE", "/api/totp/delete", true, null);
        if (response == null) {
            return;
        }
        if (response.status() == 200) {
            token = response.text("access");
            tokenFromDevice = false;
            current = null;
            phase = Phase.DISABLED;
            journal.seen(Seen.DISABLED, null);
        } else {
            surprise(Op.DELETE, response, "200 with a verified token");
        }
    }

    private void create(Api api) {
        Api.Response response = send(api, Op.CREATE, "POST", "/api/totp/create", true, null);
        if (response == null) {
            return;
        }
        if (response.status() != 201) {
            surprise(Op.CREATE, response, "201 with 2FA off");
            return;
        }
        OtpAuthUri uri = OtpAuthUri.parse(response.text("otpUrl"));
        List<String> codes = new ArrayList<>();
        response.body().path("recoveryCodes").forEach(code -> codes.add(code.stringValue()));
        if (!sameSettings(uri.toTotp())) {
            surprise(Op.CREATE, response, "a device with the default TOTP settings");
            return;
        }
        current = journal.created(uri.secret(), codes);
        pendingProbed = false;
        phase = Phase.PENDING;
        journal.seen(Seen.PENDING, current);
    }

    private void pending(Api api) {
        CodeSet set = current.currentSet();
        if (!pendingProbed) {
            Api.Response response = sendCode(api, Op.PROBE_PENDING, set.codes().get(0));
            if (response == null || waitIfThrottled(response)) {
                return;
            }
            pendingProbed = true;
            if (response.status() == 400) {
                if (set.state(0) == CodeState.NOT_SENT) {
                    set.set(0, CodeState.REFUSED_WHILE_PENDING);
                }
                journal.seen(Seen.PENDING, current);
            } else if (response.status() == 200) {
                set.set(0, CodeState.ACCEPTED);
                live.add(CrashLoad.PENDING_ACCEPTED, user.username() + ": a recovery code of a pending setup was "
                        + "accepted");
                phase = Phase.RESYNC;
            } else {
                surprise(Op.PROBE_PENDING, response, "400");
            }
            return;
        }
        Api.Response response = sendTotp(api, Op.CONFIRM, current).orElse(null);
        if (response == null) {
            return;
        }
        if (response.status() == 200) {
            token = response.text("access");
            tokenFromDevice = true;
            recoveredThisCycle = 0;
            replayProbed = false;
            phase = Phase.ENABLED;
            journal.seen(Seen.ENABLED, current);
        } else {
            surprise(Op.CONFIRM, response, "200 for the first code of a pending device");
            waitAfterFailure(response);
        }
    }

    /**
     * After the run: a code of a device the database holds confirmed, sent through the API, must be accepted (its
     * sealed secret opens in the server).
     *
     * @return the status, or -1 without an answer
     */
    int verifyThroughApi(Api api, OtpSecret secret) {
        Enrolment enrolment = journal.enrolments().stream().filter(e -> e.secret().equals(secret)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("a secret this client was not shown"));
        long step;
        while (true) {
            long now = TOTP.step(Instant.now());
            step = Math.max(now, enrolment.lastStepSent() + 1);
            if (step <= now + 1) {
                break;
            }
            sleepUntilStep(step - 1);
        }
        enrolment.stepSent(step);
        try {
            if (token == null) {
                token = api.login(user.username(), user.password()).access();
            }
            return api.post("/api/totp/login", token, Map.of("token", TOTP.generateAtStep(secret, step))).status();
        } catch (UncheckedIOException e) {
            return -1;
        } catch (IllegalStateException e) {
            return 401;
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    /** A code of the enrolment's device of a step after every one sent, or empty (and a wait) if none is valid yet. */
    private Optional<String> totpCode(Enrolment enrolment) {
        long now = TOTP.step(Instant.now());
        long step = Math.max(now, enrolment.lastStepSent() + 1);
        if (step > now + 1) {
            // Within the server's window only from step - 1 on (tolerance 1).
            long startMillis = (step - 1) * TOTP.period().toMillis() + 50;
            pause(Duration.ofMillis(Math.max(1, startMillis - System.currentTimeMillis())));
            return Optional.empty();
        }
        enrolment.stepSent(step);
        return Optional.of(TOTP.generateAtStep(enrolment.secret(), step));
    }

    /**
     * Sends the enrolment's next TOTP code to {@code totp/login} and records its outcome; empty when no code may be
     * sent yet (the next step has not come), the server did not answer, or it asked to wait.
     */
    private Optional<Api.Response> sendTotp(Api api, Op op, Enrolment enrolment) {
        Optional<String> code = totpCode(enrolment);
        if (code.isEmpty()) {
            return Optional.empty();
        }
        Api.Response response = send(api, op, "POST", "/api/totp/login", true, Map.of("token", code.get()));
        enrolment.totpOutcome(outcome(response));
        return response == null || waitIfThrottled(response) ? Optional.empty() : Optional.of(response);
    }

    private Api.Response sendCode(Api api, Op op, String code) {
        return send(api, op, "POST", "/api/totp/recovery_code/login", true, Map.of("token", code));
    }

    /** Sends and records; null without an answer (then the client will ask where it stands). */
    private Api.Response send(Api api, Op op, String method, String path, boolean withToken, Object body) {
        Api.Response response;
        try {
            response = api.send(method, path, withToken ? token : null, body);
        } catch (UncheckedIOException e) {
            journal.record(op, Outcome.NO_ANSWER);
            lastUnanswered = true;
            sessionsMayHaveEnded |= op == Op.DELETE;
            phase = Phase.RESYNC;
            journal.seen(Seen.UNKNOWN, null);
            return null;
        }
        journal.record(op, response.status() / 100 == 2 ? Outcome.OK : Outcome.REFUSED);
        statuses.count(op, response.status());
        if (response.is5xx()) {
            live.add(CrashLoad.SERVER_ERRORS, user.username() + ": " + op.label() + " answered " + response.status());
        }
        return response;
    }

    private static Outcome outcome(Api.Response response) {
        if (response == null) {
            return Outcome.NO_ANSWER;
        }
        return response.status() / 100 == 2 ? Outcome.OK : Outcome.REFUSED;
    }

    /** A 429: waits as told (the request was not checked) and sends the same again. */
    private boolean waitIfThrottled(Api.Response response) {
        if (response.status() != 429) {
            return false;
        }
        waitAfterFailure(response);
        return true;
    }

    /** After a refused code the device is throttled for a while ({@code Retry-After}, else 1 s). */
    private void waitAfterFailure(Api.Response response) {
        long seconds = response.headers().firstValueAsLong("Retry-After").orElse(1);
        pause(Duration.ofSeconds(Math.max(1, seconds)));
    }

    private void pause(Duration wait) {
        Duration bounded = wait.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait;
        notBefore = System.nanoTime() + bounded.toNanos();
    }

    private void surprise(Op op, Api.Response response, String expected) {
        live.add(CrashLoad.SURPRISES, user.username() + ": " + op.label() + " answered " + response.status()
                + ", expected " + expected);
        phase = Phase.RESYNC;
        journal.seen(Seen.UNKNOWN, null);
        if (++surprises >= MAX_SURPRISES) {
            giveUp(surprises + " surprising answers");
        }
    }

    private static int first(CodeSet set, CodeState... states) {
        for (int i = 0; i < set.codes().size(); i++) {
            for (CodeState state : states) {
                if (set.state(i) == state) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static boolean sameSettings(Totp totp) {
        return totp.algorithm() == TOTP.algorithm() && totp.digits() == TOTP.digits()
                && totp.period().equals(TOTP.period()) && totp.t0() == TOTP.t0();
    }

    private static void sleepUntilStep(long step) {
        long millis = step * TOTP.period().toMillis() + 50 - System.currentTimeMillis();
        if (millis > 0) {
            try {
                Thread.sleep(Math.min(millis, LONGEST_WAIT.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    @Override
    public String toString() {
        return "CrashClient[" + user.username() + ", " + phase + ", secrets PROTECTED]";
    }
}
