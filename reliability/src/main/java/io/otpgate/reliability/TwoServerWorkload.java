package io.otpgate.reliability;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 1's workload on two servers A and B (or one server as both): every user logs in with the password
 * (half on A, half on B, in parallel); then {@code rounds} TOTP rounds, one user each, and as many recovery-code
 * rounds with the same users ({@link SameCodeRounds}); then {@code deletions} users, half deleted on A and checked
 * on B and half the other way ({@link DeletionChecks}). It needs {@code rounds + deletions} users from
 * {@link DjangoDump}, whose devices have never been used.
 */
public final class TwoServerWorkload {

    /** The server's default {@code otpgate.verification.throttle-factor}. */
    private static final long THROTTLE_FACTOR_MILLIS = 1000;

    /**
     * @param rounds TOTP rounds, and as many recovery-code rounds
     * @param deletions users for the deletion checks
     * @param requestsPerServer requests of a round sent to each server
     */
    public record Options(int rounds, int deletions, int requestsPerServer) {

        public int users() {
            return rounds + deletions;
        }
    }

    /** What the workload did and saw. */
    public record Outcome(boolean oneServer, int logins, int loginFailures, long loginNanos,
            SameCodeRounds.Tally totp, SameCodeRounds.Tally recovery, Latencies latencies, DeletionChecks deletions) {

        public void addTo(Report report) {
            String where = oneServer ? "to the server many times at once" : "to both servers at once";
            report.section("password logins (POST /api/token" + (oneServer ? ")" : ", half on each server)"));
            report.figure("logins", logins, Report.seconds(loginNanos));
            report.mustBeZero("login failures", loginFailures);
            report.section("the same TOTP code sent " + where + " (POST /api/totp/login)");
            totp.addTo(report, "TOTP");
            report.section("the same recovery code sent " + where + " (POST /api/totp/recovery_code/login)");
            recovery.addTo(report, "recovery-code");
            report.figure("round request latency", "p50 " + Report.millis(latencies.percentile(50)),
                    "p99 " + Report.millis(latencies.percentile(99)) + ", max "
                            + Report.millis(latencies.percentile(100)) + ", " + latencies.count() + " requests");
            report.section(oneServer ? "a deleted device is refused at once"
                    : "a device deleted on one server is refused at once by the other");
            deletions.addTo(report);
        }
    }

    private TwoServerWorkload() {
    }

    /**
     * Runs the workload.
     *
     * @param users at least {@code options.users()}, fresh from a dump
     */
    public static Outcome run(Api a, Api b, List<KnownUser> users, Options options) {
        if (users.size() < options.users()) {
            throw new IllegalArgumentException("the workload needs " + options.users() + " users, got " + users.size());
        }
        List<KnownUser> used = users.subList(0, options.users());
        long loginStarted = System.nanoTime();
        Map<KnownUser, String> tokens = logIn(a, b, used);
        long loginNanos = System.nanoTime() - loginStarted;

        Latencies latencies = new Latencies();
        SameCodeRounds.Tally totp = new SameCodeRounds.Tally();
        SameCodeRounds.Tally recovery = new SameCodeRounds.Tally();
        List<KnownUser> roundUsers = used.subList(0, options.rounds()).stream().filter(tokens::containsKey).toList();
        try (SameCodeRounds rounds = new SameCodeRounds(a, b, options.requestsPerServer(), latencies)) {
            rounds.run(roundUsers.stream().map(user -> new SameCodeRounds.Round("/api/totp/login", tokens.get(user),
                    () -> user.totpCode(Instant.now()))).toList(), totp);
            // Each TOTP round's first loser was checked and refused (a replay of the accepted code): a failure, so
            // the user's next code waits the throttle factor (1 s; the others were told to wait and not counted). The
            // recovery-code rounds come after that wait, as a client that honours Retry-After would.
            if (totp.status400 > 0) {
                pause(THROTTLE_FACTOR_MILLIS + 100);
            }
            rounds.run(roundUsers.stream().map(user -> new SameCodeRounds.Round("/api/totp/recovery_code/login",
                    tokens.get(user), () -> user.recoveryCodes().get(0))).toList(), recovery);
        }
        // Rounds for users whose login failed did not run: they count as lost (and the failures are reported).
        int missing = options.rounds() - roundUsers.size();
        totp.rounds += missing;
        totp.lostRounds += missing;
        recovery.rounds += missing;
        recovery.lostRounds += missing;

        DeletionChecks deletions = new DeletionChecks();
        List<KnownUser> deletionUsers = used.subList(options.rounds(), options.users());
        for (int i = 0; i < deletionUsers.size(); i++) {
            KnownUser user = deletionUsers.get(i);
            if (tokens.containsKey(user)) {
                boolean forward = i % 2 == 0;
                deletions.check(user, tokens.get(user), forward ? a : b, forward ? b : a, forward);
            }
        }
        return new Outcome(a == b, used.size(), used.size() - tokens.size(), loginNanos, totp, recovery, latencies, deletions);
    }

    /**
     * Logs every user in with the password, alternately on A and B, 4 at a time (each first login costs the server
     * an argon2id hash).
     *
     * @return each user's password-only access token; users whose login failed are missing
     */
    public static Map<KnownUser, String> logIn(Api a, Api b, List<KnownUser> users) {
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < users.size(); i++) {
                KnownUser user = users.get(i);
                Api server = i % 2 == 0 ? a : b;
                answers.add(threads.submit(() -> server.login(user.username(), user.password()).access()));
            }
            Map<KnownUser, String> tokens = new LinkedHashMap<>();
            for (int i = 0; i < users.size(); i++) {
                try {
                    tokens.put(users.get(i), answers.get(i).get(5L * Api.TIMEOUT_SECONDS, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    // counted by the caller as a login failure
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException("a login did not finish in time", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
            return Collections.unmodifiableMap(tokens);
        } finally {
            threads.shutdownNow();
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
