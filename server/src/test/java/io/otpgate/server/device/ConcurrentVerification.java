package io.otpgate.server.device;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import io.otpgate.spring.device.VerificationOutcome;

/**
 * Runs attempts on many threads that start together (one latch), and counts the outcomes by type.
 */
final class ConcurrentVerification {

    private ConcurrentVerification() {
    }

    /** Runs every attempt on its own thread, all released at once; returns the count of each outcome type. */
    static Map<Class<?>, Integer> race(List<Supplier<VerificationOutcome>> attempts) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(attempts.size());
        CountDownLatch ready = new CountDownLatch(attempts.size());
        CountDownLatch go = new CountDownLatch(1);
        Map<Class<?>, AtomicInteger> counts = new ConcurrentHashMap<>();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Supplier<VerificationOutcome> attempt : attempts) {
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    VerificationOutcome outcome = attempt.get();
                    counts.computeIfAbsent(outcome.getClass(), c -> new AtomicInteger()).incrementAndGet();
                    return null;
                }));
            }
            if (!ready.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("threads did not start");
            }
            go.countDown();
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        Map<Class<?>, Integer> result = new java.util.HashMap<>();
        counts.forEach((type, count) -> result.put(type, count.get()));
        return result;
    }
}
