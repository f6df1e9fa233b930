package io.otpgate.reliability;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongUnaryOperator;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

import io.otpgate.reliability.SoakSession.Kind;

/**
 * The soak's traffic against one server: open-loop, at a fixed rate, after a ramp-up. During the ramp-up the rate
 * climbs linearly from 0 to {@code rate} (request {@code i} is due at {@code start + sqrt(2 * ramp * i / rate)}), so
 * that the server's JIT compiler warms up before the full rate; those requests are counted apart. Then request
 * {@code i} is due at {@code start + ramp + i / rate}. At its due time the scheduler thread gives a request to the
 * next session that has no request in flight ({@link SoakSession}), and its latency is measured from the due time, so
 * a server that stalls is charged for the requests it delayed (no coordinated omission). The sessions bound the
 * requests in flight: if all of them wait for answers, the due requests wait for the first answer, and are charged
 * for that wait. Every request has a {@value #REQUEST_TIMEOUT_SECONDS}-s timeout; the scheduler stops
 * {@value #END_GRACE_SECONDS} s after the end at the latest, counting what it could not send as errors.
 *
 * <p>After a timeout, no answer or a 5xx, a session tries the same request again at its next turn (a TOTP login in
 * the next step), except a refresh, whose token may be spent: the session ends. After a 4xx or a wrong body, the
 * session ends too: its state is not what it believes. A new session of the next user in the pool takes the place of
 * an ended one, and logs in. So a stalled server is not answered by a storm of password logins (argon2id, the most
 * expensive request): the mix stays near its shares. Users are taken in turn: a user comes back long after its last
 * code, and a session never sends a code in a step its user already sent one in.
 */
final class SoakLoad implements AutoCloseable {

    static final int REQUEST_TIMEOUT_SECONDS = 10;
    static final int END_GRACE_SECONDS = 30;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(REQUEST_TIMEOUT_SECONDS);
    static final int WARM_UP_THREADS = 4;
    /** The most requests a warm-up login makes (password, status, code; a substituted status or two). */
    private static final int WARM_UP_REQUESTS = 10;

    /** The warm-up: the first sessions logging in (password, status, code) before the clock starts. */
    record WarmUp(int sessions, int failures, long nanos) {
    }

    private final String name;
    private final URI base;
    private final int rate;
    private final int sessions;
    private final ExecutorService callbacks;
    private final HttpClient client;
    private final Deque<SoakSession.User> idleUsers = new ArrayDeque<>();
    private final List<SoakSession> firstSessions = new ArrayList<>();
    private final LinkedBlockingQueue<SoakSession> ready = new LinkedBlockingQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final SoakTally total = new SoakTally(true);
    private final SoakTally ramp = new SoakTally(false);
    private final Latencies firstWindow = new Latencies();
    private final Latencies lastWindow = new Latencies();
    private SoakTally interval = new SoakTally(false);
    private int intervalIndex;
    private int intervals;
    private int windowIntervals;
    private Thread scheduler;
    private volatile boolean over;

    /**
     * @param users the pool, at least {@code sessions} (best several times more, so that a user comes back long after
     *        its last code)
     * @param rate requests per second
     * @param sessions sessions at a time: the most requests in flight
     */
    SoakLoad(String name, URI base, List<KnownUser> users, int rate, int sessions) {
        if (rate < 1 || sessions < 1 || users.size() < sessions) {
            throw new IllegalArgumentException("rate and sessions must be 1 or more, with at least as many users as "
                    + "sessions; got rate " + rate + ", " + sessions + " sessions, " + users.size() + " users");
        }
        this.name = name;
        this.base = base;
        this.rate = rate;
        this.sessions = sessions;
        this.callbacks = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "soak-" + name + "-http");
            thread.setDaemon(true);
            return thread;
        });
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).executor(callbacks).build();
        for (KnownUser user : users) {
            idleUsers.add(new SoakSession.User(user));
        }
    }

    String name() {
        return name;
    }

    int sessions() {
        return sessions;
    }

    /**
     * Logs the first sessions in, {@value #WARM_UP_THREADS} at a time (each first login costs the server an argon2id
     * hash), and places them at staggered positions. Not counted in the soak's figures.
     */
    WarmUp warmUp() {
        List<SoakSession> logins = new ArrayList<>();
        synchronized (idleUsers) {
            for (int i = 0; i < sessions; i++) {
                logins.add(new SoakSession(idleUsers.pollFirst(), base, REQUEST_TIMEOUT));
            }
        }
        long started = System.nanoTime();
        ExecutorService threads = Executors.newFixedThreadPool(WARM_UP_THREADS);
        int failures = 0;
        try {
            List<Future<Boolean>> done = new ArrayList<>();
            for (SoakSession session : logins) {
                done.add(threads.submit(() -> logIn(session)));
            }
            for (int i = 0; i < logins.size(); i++) {
                boolean loggedIn;
                try {
                    loggedIn = done.get(i).get(3L * REQUEST_TIMEOUT_SECONDS * WARM_UP_REQUESTS, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    loggedIn = false;
                } catch (TimeoutException e) {
                    throw new IllegalStateException(name + ": a warm-up login did not finish in time", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
                SoakSession session = logins.get(i);
                if (loggedIn) {
                    // Staggered: session i has LENGTH - start requests left, so sessions end one after the other.
                    session.skipTo(SoakSession.BODY + (int) ((long) i * (SoakSession.LENGTH - SoakSession.BODY)
                            / sessions));
                    firstSessions.add(session);
                } else {
                    failures++;
                    firstSessions.add(replace(session));
                }
            }
        } finally {
            threads.shutdownNow();
        }
        return new WarmUp(sessions, failures, System.nanoTime() - started);
    }

    private boolean logIn(SoakSession session) throws IOException, InterruptedException {
        for (int i = 0; i < WARM_UP_REQUESTS && session.position() < SoakSession.BODY; i++) {
            SoakSession.Planned planned = session.next(Instant.now());
            HttpResponse<String> answer = client.send(planned.request(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200 || !session.answered(planned.kind(), parse(answer.body()))) {
                return false;
            }
        }
        return session.position() == SoakSession.BODY;
    }

    /**
     * Starts sending from {@code startNanos} ({@link System#nanoTime()}): the ramp-up, then {@code rate} requests a
     * second for {@code duration}.
     *
     * @param rampUp 0 for none
     * @param intervals how many progress intervals the run has (the last {@code windowIntervals} of them make the
     *        last window)
     * @param windowIntervals intervals in the first and last windows (whose p99 the report compares)
     */
    synchronized void start(long startNanos, Duration rampUp, Duration duration, int intervals, int windowIntervals) {
        if (scheduler != null) {
            throw new IllegalStateException(name + " started already");
        }
        this.intervals = intervals;
        this.windowIntervals = windowIntervals;
        ready.addAll(firstSessions);
        long rampNanos = rampUp.toNanos();
        long rampSlots = rampNanos / 2 * rate / 1_000_000_000L;
        long mainStart = startNanos + rampNanos;
        long slots = duration.toNanos() * rate / 1_000_000_000L;
        long hardStop = mainStart + duration.toNanos() + TimeUnit.SECONDS.toNanos(END_GRACE_SECONDS);
        scheduler = new Thread(() -> {
            // due times of the ramp: N(t) = rate * t^2 / (2 * ramp) requests by time t
            // (what the ramp could not send before the full rate starts is counted apart, as not sent)
            schedule(i -> startNanos + (long) Math.sqrt(2.0 * rampNanos * 1e9 * i / rate), rampSlots, true,
                    mainStart);
            if (Thread.currentThread().isInterrupted()) {
                unsent(slots, false);
            } else {
                schedule(i -> mainStart + i * 1_000_000_000L / rate, slots, false, hardStop);
            }
        }, "soak-" + name + "-scheduler");
        scheduler.setDaemon(true);
        scheduler.start();
    }

    /** Sends {@code slots} requests at their due times, each as soon as a session is ready, until {@code hardStop}. */
    private void schedule(LongUnaryOperator dueTime, long slots, boolean rampUp, long hardStop) {
        for (long i = 0; i < slots; i++) {
            long due = dueTime.applyAsLong(i);
            if (!parkUntil(due)) {
                unsent(slots - i, rampUp);
                return;
            }
            SoakSession session = ready.poll();
            if (session == null) {
                try {
                    long left = hardStop - System.nanoTime();
                    session = left > 0 ? ready.poll(left, TimeUnit.NANOSECONDS) : null;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (session == null || System.nanoTime() > hardStop) {
                if (session != null) {
                    ready.add(session);
                }
                unsent(slots - i, rampUp);
                return;
            }
            send(session, due, rampUp);
        }
    }

    /** Waits until {@code due}; false if interrupted. */
    private static boolean parkUntil(long due) {
        for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.currentThread().isInterrupted()) {
                return false;
            }
        }
        return true;
    }

    private void send(SoakSession session, long due, boolean rampUp) {
        SoakSession.Planned planned = session.next(Instant.now());
        long lag = System.nanoTime() - due;
        synchronized (this) {
            for (SoakTally tally : tallies(rampUp)) {
                tally.sent(planned.kind(), planned.substituted(), lag);
            }
        }
        inFlight.incrementAndGet();
        try {
            client.sendAsync(planned.request(), HttpResponse.BodyHandlers.ofString()).whenComplete(
                    (answer, failure) -> complete(session, planned.kind(), due, rampUp, answer, failure));
        } catch (RuntimeException e) {
            complete(session, planned.kind(), due, rampUp, null, e);
        }
    }

    private void complete(SoakSession session, Kind kind, long due, boolean rampUp, HttpResponse<String> answer,
            Throwable failure) {
        long latency = System.nanoTime() - due;
        try {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                record(kind, latency, rampUp, -1, false, cause instanceof HttpTimeoutException);
                next(session, kind == Kind.REFRESH ? Outcome.BROKEN : Outcome.AGAIN);
                return;
            }
            int status = answer.statusCode();
            boolean good = status == 200 && session.answered(kind, parse(answer.body()));
            record(kind, latency, rampUp, status, good, false);
            if (good) {
                next(session, Outcome.DONE);
            } else if (status >= 500 && status <= 599 && kind != Kind.REFRESH) {
                next(session, Outcome.AGAIN);
            } else {
                next(session, Outcome.BROKEN);
            }
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** What a session does after an answer, or its absence. */
    private enum Outcome {
        /** The expected answer: the next request, or the end of the session. */
        DONE,
        /** No answer, or a 5xx, to a request that may be sent again: again at its next turn. */
        AGAIN,
        /** Its state may not be what it believes (a spent refresh token, a 4xx, a wrong body): it ends. */
        BROKEN
    }

    private SoakTally[] tallies(boolean rampUp) {
        return rampUp ? new SoakTally[] {ramp} : new SoakTally[] {interval, total};
    }

    private synchronized void record(Kind kind, long latency, boolean rampUp, int status, boolean good,
            boolean timeout) {
        for (SoakTally tally : tallies(rampUp)) {
            if (status < 0) {
                tally.failed(kind, timeout, latency);
            } else {
                tally.answered(kind, status, good, latency);
            }
        }
        if (rampUp) {
            return;
        }
        if (intervalIndex < windowIntervals) {
            firstWindow.add(latency);
        }
        if (intervalIndex >= intervals - windowIntervals) {
            lastWindow.add(latency);
        }
    }

    /** The session goes on, or (finished, or broken) a new one takes its place. */
    private void next(SoakSession session, Outcome outcome) {
        if (outcome == Outcome.AGAIN || outcome == Outcome.DONE && !session.finished()) {
            ready.add(session);
        } else if (!over) {
            ready.add(replace(session));
        }
    }

    /** A new session of the next user in turn; the ended session's user goes to the back of the line. */
    private SoakSession replace(SoakSession ended) {
        SoakSession.User user;
        synchronized (idleUsers) {
            idleUsers.addLast(ended.user());
            user = idleUsers.pollFirst();
        }
        return new SoakSession(user, base, REQUEST_TIMEOUT);
    }

    private synchronized void unsent(long count, boolean rampUp) {
        for (SoakTally tally : tallies(rampUp)) {
            tally.unsent(count);
        }
    }

    /** Ends the current progress interval and returns its figures. */
    synchronized SoakTally closeInterval() {
        SoakTally done = interval;
        interval = new SoakTally(false);
        intervalIndex++;
        return done;
    }

    /**
     * Waits for the scheduler to end (it ends by itself at the end of the duration), then for the answers still
     * awaited, each bounded by its timeout.
     *
     * @return requests still without an outcome after that (0 unless the HTTP client broke its timeout)
     */
    int finish() {
        Thread thread;
        synchronized (this) {
            thread = scheduler;
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(END_GRACE_SECONDS + 10));
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(TimeUnit.SECONDS.toMillis(5));
            }
            over = true;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(REQUEST_TIMEOUT_SECONDS + 5);
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return inFlight.get();
    }

    synchronized SoakTally total() {
        return total;
    }

    /** The ramp-up's requests (not in {@link #total()}). */
    synchronized SoakTally rampUp() {
        return ramp;
    }

    /** Latencies of the requests answered in the first {@code windowIntervals} intervals. */
    Latencies firstWindow() {
        return firstWindow;
    }

    /** Latencies of the requests answered in the last {@code windowIntervals} intervals. */
    Latencies lastWindow() {
        return lastWindow;
    }

    @Override
    public void close() {
        over = true;
        Thread thread;
        synchronized (this) {
            thread = scheduler;
        }
        if (thread != null) {
            thread.interrupt();
        }
        callbacks.shutdownNow();
    }

    private static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? MissingNode.getInstance() : Api.JSON.readTree(body);
        } catch (JacksonException e) {
            return MissingNode.getInstance();
        }
    }

    @Override
    public String toString() {
        return "SoakLoad[" + name + " on " + base + ", " + rate + " requests/s, " + sessions + " sessions]";
    }
}
