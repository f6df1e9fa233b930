package io.otpgate.reliability;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Rounds in which one valid one-time code is sent many times at once, to two servers (or one server twice): the
 * code may be accepted once. Each round's requests run on their own threads, all released together by a barrier.
 * Counts per round: exactly one 200 is the rule; more is a double accept, none a lost code; the other answers must be
 * 400 (the code is used) or 429 (throttled after that failure), never a 5xx.
 */
public final class SameCodeRounds implements AutoCloseable {

    /** One round: the endpoint, the user's access token, and a supplier of the code computed just before release. */
    public record Round(String path, String bearer, Supplier<String> code) {

        @Override
        public String toString() {
            return "Round[" + path + ", PROTECTED]";
        }
    }

    /** What rounds gave. Not thread-safe: one {@code run} at a time adds to it. */
    public static final class Tally {
        public int rounds;
        public int successes;
        public int doubleAccepts;
        public int lostRounds;
        public int status400;
        public int status429;
        public int status5xx;
        public int otherStatus;
        public int noAnswer;
        public long nanos;

        /** Adds the figures to a report; the must-be-zero ones fail it, and successes must equal rounds. */
        public void addTo(Report report, String what) {
            report.figure(what + " rounds", rounds);
            report.figure("successes (200)", successes, successes == rounds ? "one a round" : "");
            report.mustBeZero("double-accepts (rounds with 2+ 200s)", doubleAccepts);
            report.mustBeZero("lost rounds (no 200)", lostRounds);
            report.figure("refused: 400 / 429", status400 + " / " + status429);
            report.mustBeZero("5xx", status5xx);
            report.mustBeZero("other statuses, no answer", otherStatus + noAnswer);
            report.figure("time", Report.seconds(nanos));
            report.require(what + ": successes (" + successes + ") = rounds (" + rounds + ")", successes == rounds);
        }
    }

    private final Api a;
    private final Api b;
    private final int perServer;
    private final Latencies latencies;
    private final ExecutorService threads;

    /**
     * @param a the first server; even-numbered requests of a round go to it
     * @param b the second server (may be {@code a} again)
     * @param perServer requests a round sends to each
     * @param latencies where each request's latency goes
     */
    public SameCodeRounds(Api a, Api b, int perServer, Latencies latencies) {
        this.a = a;
        this.b = b;
        this.perServer = perServer;
        this.latencies = latencies;
        this.threads = Executors.newFixedThreadPool(2 * perServer, runnable -> {
            Thread thread = new Thread(runnable, "same-code-round");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Runs the rounds one after the other, adding to {@code tally}. */
    public void run(List<Round> rounds, Tally tally) {
        long started = System.nanoTime();
        for (Round round : rounds) {
            int oks = 0;
            for (int status : once(round)) {
                if (status == 200) {
                    oks++;
                } else if (status == 400) {
                    tally.status400++;
                } else if (status == 429) {
                    tally.status429++;
                } else if (status >= 500 && status <= 599) {
                    tally.status5xx++;
                } else if (status < 0) {
                    tally.noAnswer++;
                } else {
                    tally.otherStatus++;
                }
            }
            tally.rounds++;
            tally.successes += oks;
            if (oks > 1) {
                tally.doubleAccepts++;
            } else if (oks == 0) {
                tally.lostRounds++;
            }
        }
        tally.nanos += System.nanoTime() - started;
    }

    /** The statuses of one round's requests (-1 for no answer). */
    private List<Integer> once(Round round) {
        int requests = 2 * perServer;
        CyclicBarrier barrier = new CyclicBarrier(requests);
        String code = round.code().get();
        Map<String, String> body = Map.of("token", code);
        List<Future<Integer>> answers = new ArrayList<>(requests);
        for (int i = 0; i < requests; i++) {
            Api server = i % 2 == 0 ? a : b;
            answers.add(threads.submit(() -> {
                barrier.await(Api.TIMEOUT_SECONDS, TimeUnit.SECONDS);
                try {
                    Api.Response response = server.post(round.path(), round.bearer(), body);
                    latencies.add(response.nanos());
                    return response.status();
                } catch (UncheckedIOException e) {
                    return -1;
                }
            }));
        }
        List<Integer> statuses = new ArrayList<>(requests);
        for (Future<Integer> answer : answers) {
            try {
                statuses.add(answer.get(2L * Api.TIMEOUT_SECONDS, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                if (e.getCause() instanceof BrokenBarrierException || e.getCause() instanceof TimeoutException) {
                    throw new IllegalStateException("a round's threads did not all reach the barrier", e.getCause());
                }
                throw new IllegalStateException("a round's request failed", e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException("a round did not finish within " + 2 * Api.TIMEOUT_SECONDS + " s", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        return statuses;
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
