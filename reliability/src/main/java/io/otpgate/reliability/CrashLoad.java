package io.otpgate.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The load of {@code crash-safety} and its killer: client threads, each driving its own users' {@link CrashClient}s
 * in turn as fast as the server answers, while the calling thread kills the server with SIGKILL at random moments
 * (uniformly {@code gapMin..gapMax} of load, counted from the moment the load runs again after a start: as many
 * answers as there are client threads), restarts it on the same port and waits until it answers UP. Clients wait
 * while it is down ({@link Gate}), and a new HTTP client serves them after each restart. After the last restart the
 * load runs one more gap, then the clients finish: each sends until its last request was answered, so that it knows
 * where its user stands. The first kill waits until every client logged in with its password; the end waits, if
 * need be, until each operation of the cycle (enrolment, confirmation, recovery-code login, deletion) succeeded once.
 */
final class CrashLoad {

    /** Live checks, counted during the load (must be 0). */
    static final String REPLAY_ACCEPTED = "recovery codes accepted twice (replayed after a 200)";
    static final String PENDING_ACCEPTED = "recovery codes of a pending setup accepted";
    static final String SURPRISES = "answers that nothing the client saw before explains";
    static final String SERVER_ERRORS = "5xx answers";
    static final String UNANSWERED_WHILE_UP = "requests without an answer while no kill was under way";
    static final String LOST_TRACK = "users whose state a client could not find out";

    static final List<String> LIVE_CHECKS = List.of(REPLAY_ACCEPTED, PENDING_ACCEPTED, SURPRISES, SERVER_ERRORS,
            UNANSWERED_WHILE_UP, LOST_TRACK);

    /** How long the killer waits, at most, for the load to run again after a start. */
    private static final Duration LOAD_RESUME_TIMEOUT = Duration.ofSeconds(60);
    /** The operations of a cycle that a run must have seen succeed before it ends. */
    static final List<UserJournal.Op> CYCLE = List.of(UserJournal.Op.CREATE, UserJournal.Op.CONFIRM,
            UserJournal.Op.RECOVERY_LOGIN, UserJournal.Op.DELETE);
    /** How long the load may run after the last gap until each operation of a cycle succeeded, at most. */
    private static final Duration COMPLETION_TIMEOUT = Duration.ofSeconds(120);
    /** How long the clients may take to settle after the load, at most. */
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(120);

    /** What the load should be. */
    record Options(int kills, int clients, Duration gapMin, Duration gapMax, long seed) {
    }

    /**
     * What the load did.
     *
     * @param restartNanos from each SIGKILL to the restarted server's UP
     * @param statuses answers by HTTP status
     */
    record Outcome(int kills, List<Long> restartNanos, Map<Integer, Integer> statuses, long loadNanos) {
    }

    /** Counts answers by status, and the operations that succeeded by kind; shared by the clients. */
    static final class Statuses {
        private final Map<Integer, Integer> counts = new TreeMap<>();
        private final Map<UserJournal.Op, Integer> succeeded = new EnumMap<>(UserJournal.Op.class);
        private long total;

        synchronized void count(UserJournal.Op op, int status) {
            counts.merge(status, 1, Integer::sum);
            if (status / 100 == 2) {
                succeeded.merge(op, 1, Integer::sum);
            }
            total++;
            notifyAll();
        }

        /** Waits until each of the operations succeeded at least once, or the time is up. */
        synchronized boolean awaitSucceeded(List<UserJournal.Op> ops, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!ops.stream().allMatch(succeeded::containsKey)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }

        /** Waits until {@code answers} answers were counted in all, or the time is up; returns whether they were. */
        synchronized boolean awaitTotal(long answers, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (total < answers) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }

        synchronized long total() {
            return total;
        }

        synchronized Map<Integer, Integer> snapshot() {
            return new TreeMap<>(counts);
        }
    }

    /** Whether the server is up, and how many times it was started; clients wait on it. */
    static final class Gate {
        private boolean up = true;
        private long generation;
        private RuntimeException broken;

        synchronized void down() {
            up = false;
        }

        synchronized void up() {
            generation++;
            up = true;
            notifyAll();
        }

        synchronized void broken(RuntimeException cause) {
            broken = cause;
            notifyAll();
        }

        /** Waits until the server is up; returns its generation. */
        synchronized long awaitUp() throws InterruptedException {
            long deadline = System.nanoTime() + ServerSetup.START_TIMEOUT.toNanos() + SETTLE_TIMEOUT.toNanos();
            while (!up && broken == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("the server was not up again in time");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            if (broken != null) {
                throw new IllegalStateException("the killer stopped: " + broken.getMessage(), broken);
            }
            return generation;
        }

        /** Whether the server is up and was not restarted since {@code generation}. */
        synchronized boolean upSince(long generation) {
            return up && this.generation == generation;
        }
    }

    private CrashLoad() {
    }

    /**
     * Runs the load until {@code kills} kills and restarts are done and every client settled.
     *
     * @param clients all clients; thread {@code i} drives those at {@code i, i + threads, ...}
     * @param live where the clients count live findings (shared with them)
     */
    static Outcome run(ServerProcess server, List<CrashClient> clients, Options options, Statuses statuses,
            CrashChecks.Findings live) throws InterruptedException {
        Gate gate = new Gate();
        Random random = new Random(options.seed());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        Stop stop = new Stop();
        for (int t = 0; t < options.clients(); t++) {
            List<CrashClient> mine = new ArrayList<>();
            for (int i = t; i < clients.size(); i += options.clients()) {
                mine.add(clients.get(i));
            }
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    drive(server, mine, gate, stop, live);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "crash-client-" + t);
            thread.start();
            threads.add(thread);
        }
        long started = System.nanoTime();
        start.countDown();
        List<Long> restarts = new ArrayList<>();
        int kills = 0;
        try {
            awaitLogins(clients, statuses);
            for (int k = 0; k < options.kills() && failure.get() == null; k++) {
                awaitLoad(statuses, options);
                sleep(gap(random, options));
                gate.down();
                long killed = System.nanoTime();
                server.kill();
                kills++;
                server.restart();
                restarts.add(System.nanoTime() - killed);
                gate.up();
            }
            awaitLoad(statuses, options);
            sleep(gap(random, options));
            // On a slow machine a short run may not have gone round the cycle yet: let it, so that every kind of
            // operation is in the database that the last kill leaves.
            statuses.awaitSucceeded(CYCLE, COMPLETION_TIMEOUT);
        } catch (RuntimeException e) {
            gate.broken(e);
            throw e;
        } finally {
            stop.set();
            for (Thread thread : threads) {
                thread.join(SETTLE_TIMEOUT.toMillis() + ServerSetup.START_TIMEOUT.toMillis());
            }
        }
        long loadNanos = System.nanoTime() - started;
        if (failure.get() != null) {
            throw new IllegalStateException("a client thread failed: " + failure.get(), failure.get());
        }
        for (Thread thread : threads) {
            if (thread.isAlive()) {
                thread.interrupt();
                throw new IllegalStateException(thread.getName() + " did not finish");
            }
        }
        return new Outcome(kills, restarts, statuses.snapshot(), loadNanos);
    }

    /** The end of the load, and the time by which the clients must have settled. */
    private static final class Stop {
        private volatile long settleBy;
        private volatile boolean set;

        void set() {
            settleBy = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
            set = true;
        }
    }

    /** One client thread: its clients in turn, each a request at a time, until the stop and all settled. */
    private static void drive(ServerProcess server, List<CrashClient> mine, Gate gate, Stop stop,
            CrashChecks.Findings live) throws InterruptedException {
        Api api = null;
        long apiGeneration = -1;
        while (true) {
            boolean stopping = stop.set;
            boolean sent = false;
            boolean unsettled = false;
            for (CrashClient client : mine) {
                if (stopping && client.settled()) {
                    continue;
                }
                unsettled = true;
                if (!client.ready(System.nanoTime())) {
                    continue;
                }
                long generation = gate.awaitUp();
                if (generation != apiGeneration) {
                    // Connections to a killed server are dead: a new client with a new pool.
                    api = new Api(server.baseUri());
                    apiGeneration = generation;
                }
                client.step(api);
                sent = true;
                if (client.lastUnanswered() && gate.upSince(generation)) {
                    live.add(UNANSWERED_WHILE_UP, client.username() + ": a request got no answer while the server "
                            + "was up and no kill was under way");
                }
            }
            if (stopping && !unsettled) {
                return;
            }
            if (stopping && System.nanoTime() - stop.settleBy > 0) {
                mine.stream().filter(c -> !c.settled())
                        .forEach(c -> c.giveUp("its last request had no answer when the run ended"));
                return;
            }
            if (!sent) {
                // Every client waits (a throttle, a time step): look again shortly.
                Thread.sleep(20);
            }
        }
    }

    /**
     * Waits until every client logged in (or the time is up): password logins are not among the operations under
     * test, and on a slow machine (argon2id) they would be all that the first kills hit.
     */
    private static void awaitLogins(List<CrashClient> clients, Statuses statuses) throws InterruptedException {
        long deadline = System.nanoTime() + LOAD_RESUME_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && !clients.stream().allMatch(CrashClient::loggedIn)) {
            statuses.awaitTotal(statuses.total() + 1, Duration.ofMillis(100));
        }
    }

    /**
     * Waits until the load runs again after a start: as many answers as there are client threads. A restarted server
     * is cold (the JIT has not compiled anything yet), and on a busy machine its first answers are slow; the gap
     * before the next kill counts from there, so that each kill falls on a load and not on a server still waking up.
     */
    private static void awaitLoad(Statuses statuses, Options options) throws InterruptedException {
        statuses.awaitTotal(statuses.total() + options.clients(), LOAD_RESUME_TIMEOUT);
    }

    private static Duration gap(Random random, Options options) {
        long min = options.gapMin().toMillis();
        long max = options.gapMax().toMillis();
        return Duration.ofMillis(min + (max > min ? (long) (random.nextDouble() * (max - min)) : 0));
    }

    private static void sleep(Duration duration) throws InterruptedException {
        Thread.sleep(duration.toMillis());
    }
}
