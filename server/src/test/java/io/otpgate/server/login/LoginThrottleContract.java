package io.otpgate.server.login;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;

import io.otpgate.server.system.TestClock;

/**
 * The password-login throttle kept in the database: the waits (3 free failures per username and address, 10 per
 * username overall, 20 per address, then 1 s doubling up to 5 min; a familiar address answers only to its own
 * pair), the shared count under concurrent failures, the digests that name its rows and the sweep that keeps the
 * table bounded. On each database; the clock is a {@link TestClock}.
 */
@SpringBootTest(properties = "logging.level.otpgate.security=WARN")
@Import(TestClock.Config.class)
abstract class LoginThrottleContract {

    @Autowired LoginThrottle throttle;
    @Autowired LoginFailures failures;
    @Autowired TestClock clock;
    @Autowired JdbcClient jdbc;

    String name;
    String address;

    @BeforeEach
    void freshNameAndLaterTime() {
        // Each test a day after the previous one: the rows of earlier tests are all forgotten by then.
        clock.advance(Duration.ofDays(1));
        name = "user-" + UUID.randomUUID();
        address = "198.51.100." + (int) (Math.random() * 250);
    }

    @Test
    void checkWhenThreeFailuresThenNoWaitAndWhenFourThenOneSecond() {
        fail(name, 3);
        assertThat(throttle.check(name, null)).isEmpty();

        fail(name, 1);

        assertThat(throttle.check(name, null)).contains(Duration.ofSeconds(1));
        clock.advance(Duration.ofMillis(999));
        assertThat(throttle.check(name, null)).as("a part of a second left is a second").contains(Duration.ofSeconds(1));
        clock.advance(Duration.ofMillis(1));
        assertThat(throttle.check(name, null)).isEmpty();
    }

    @Test
    void checkWhenMoreFailuresThenWaitDoublesUpToFiveMinutes() {
        fail(name, 5);
        assertThat(throttle.check(name, null)).contains(Duration.ofSeconds(2));
        fail(name, 1);
        assertThat(throttle.check(name, null)).contains(Duration.ofSeconds(4));

        fail(name, 20);

        assertThat(throttle.check(name, null)).contains(Duration.ofMinutes(5));
    }

    @Test
    void succeededThenPairClearedAndAddressFamiliarButCountsOfUsernameAndAddressKept() {
        for (int i = 0; i < 21; i++) {
            throttle.failed(name, address);
        }
        assertThat(throttle.check(name, address)).contains(Duration.ofMinutes(5));

        throttle.succeeded(name, address);

        assertThat(throttle.check(name, address)).as("a familiar pair after its success").isEmpty();
        assertThat(throttle.check(name, "203.0.113.9")).as("10 free failures per username overall, then 1 s "
                + "doubling: 11 failures past them").contains(Duration.ofMinutes(5));
        assertThat(throttle.check("someone-else-" + name, address)).as("20 free failures per address, then 1 s")
                .contains(Duration.ofSeconds(1));
    }

    // Strangers cannot lock a user out (issue 14)

    @Test
    void checkWhenUsernameFailedManyTimesFromOneAddressThenAnotherAddressIsNotSlowed() {
        for (int i = 0; i < 9; i++) {
            throttle.failed(name, address);
        }
        assertThat(throttle.check(name, address)).contains(Duration.ofSeconds(32));

        assertThat(throttle.check(name, "203.0.113.9")).as("an address that has not failed").isEmpty();
    }

    @Test
    void checkWhenUsernameFailedFromManyAddressesThenItsUnfamiliarAddressesWait() {
        for (int i = 0; i < 12; i++) {
            throttle.failed(name, "10.0.0." + i);
        }

        assertThat(throttle.check(name, "203.0.113.9")).as("12 failures overall, 2 past the free 10")
                .contains(Duration.ofSeconds(2));
        assertThat(throttle.check(name, "10.0.0.1")).as("one failure of this pair; the overall count")
                .contains(Duration.ofSeconds(2));
    }

    @Test
    void checkWhenFailuresRotateThroughOneIpv6Slash64ThenTheyCountAsOneAddress() {
        for (int i = 1; i <= 4; i++) {
            throttle.failed(name, "2001:db8:77:1::" + Integer.toHexString(i));
        }

        assertThat(throttle.check(name, "2001:db8:77:1::ffff")).as("a fifth address of the same /64")
                .contains(Duration.ofSeconds(1));
        assertThat(throttle.check(name, "2001:db8:77:2::1")).as("the next /64 has not failed").isEmpty();
    }

    @Test
    void checkWhenOwnerLoggedInFromIpv6AndAddressRotatedInItsSlash64ThenStillFamiliar() {
        throttle.succeeded(name, "2001:db8:88:1::1");
        for (int i = 0; i < 40; i++) {
            throttle.failed(name, "10.0.2." + i);
        }

        assertThat(throttle.check(name, "2001:db8:88:1:abcd::9")).as("a privacy address of the owner's /64")
                .isEmpty();
    }

    @Test
    void checkWhenUsernameFailedFromManyAddressesThenItsFamiliarAddressIsNotSlowed() {
        throttle.succeeded(name, address);
        for (int i = 0; i < 40; i++) {
            throttle.failed(name, "10.0.1." + i);
        }
        assertThat(throttle.check(name, "203.0.113.9")).contains(Duration.ofMinutes(5));

        assertThat(throttle.check(name, address)).as("the owner's usual address").isEmpty();
    }

    @Test
    void checkWhenFamiliarPairFailsThenItsOwnWaitsApply() {
        throttle.succeeded(name, address);

        for (int i = 0; i < 4; i++) {
            throttle.failed(name, address);
        }

        assertThat(throttle.check(name, address)).contains(Duration.ofSeconds(1));
    }

    @Test
    void checkWhenSuccessOlderThan30DaysThenTheAddressIsNoLongerFamiliar() {
        throttle.succeeded(name, address);
        clock.advance(Duration.ofDays(30).plusSeconds(1));

        for (int i = 0; i < 12; i++) {
            throttle.failed(name, "10.0.2." + i);
        }

        assertThat(throttle.check(name, address)).contains(Duration.ofSeconds(2));
    }

    @Test
    void checkWhenAddressFailedForManyNamesThenANameFamiliarThereIsNotSlowed() {
        throttle.succeeded(name, address);
        for (int i = 0; i < 30; i++) {
            throttle.failed(name + "-" + i, address);
        }
        assertThat(throttle.check("someone-else-" + name, address)).contains(Duration.ofMinutes(5));

        assertThat(throttle.check(name, address)).as("a user behind the same address who logged in from it")
                .isEmpty();
    }

    @Test
    void checkWhenAddressFailedForManyNamesThenEveryNameFromItWaits() {
        for (int i = 0; i < 22; i++) {
            throttle.failed(name + "-" + i, address);
        }

        assertThat(throttle.check("someone-else-" + name, address)).contains(Duration.ofSeconds(2));
        assertThat(throttle.check("someone-else-" + name, "203.0.113.9")).isEmpty();
    }

    @Test
    void checkWhenNameDiffersOnlyInCaseWidthOrSpacesThenSameCount() {
        String upper = name.toUpperCase(java.util.Locale.ROOT);
        fail("  " + upper + " ", 2);
        // FULLWIDTH LATIN SMALL LETTER U is "u" in NFKC.
        fail("\uFF55" + name.substring(1), 2);

        assertThat(throttle.check(name, null)).contains(Duration.ofSeconds(1));
    }

    @Test
    void failedWhenLastFailureOlderThanForgetAfterThenCountStartsAgain() {
        fail(name, 10);
        clock.advance(Duration.ofHours(1).plusSeconds(1));

        for (int i = 0; i < 3; i++) {
            assertThat(throttle.check(name, null)).as("attempt %d after an hour", i + 1).isEmpty();
            throttle.failed(name, null);
        }

        assertThat(throttle.check(name, null)).isEmpty();
        assertThat(failures.find(failures.username(name))).get().extracting(LoginFailures.Failures::count)
                .isEqualTo(3);
    }

    @Test
    void storedRowsWhenNameAndAddressFailedThenNeitherIsInTheTable() {
        fail(name, 1);
        throttle.failed(name, address);

        List<byte[]> subjects = jdbc.sql("select subject from login_throttle").query(byte[].class).list();

        assertThat(subjects).allSatisfy(subject -> assertThat(subject).hasSize(32));
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] addressBytes = address.getBytes(StandardCharsets.US_ASCII);
        assertThat(subjects).noneMatch(subject -> contains(subject, nameBytes) || contains(subject, addressBytes));
        assertThat(failures.find(failures.username(name))).get().extracting(LoginFailures.Failures::count)
                .isEqualTo(2);
        assertThat(failures.find(failures.address(address))).get().extracting(LoginFailures.Failures::count)
                .isEqualTo(1);
        assertThat(failures.find(failures.pair(name, address))).get().extracting(LoginFailures.Failures::count)
                .isEqualTo(1);
    }

    @RepeatedTest(3)
    void failedWhenThreadsFailTogetherThenEachFailureCountedOnce() throws Exception {
        int threads = 24;
        // The first wave races to insert the rows, the second to update them.
        race(threads, () -> throttle.failed(name, address));
        assertThat(count(failures.username(name))).isEqualTo(threads);
        assertThat(count(failures.address(address))).isEqualTo(threads);

        race(threads, () -> throttle.failed(name, address));

        assertThat(count(failures.username(name))).isEqualTo(2 * threads);
        assertThat(count(failures.address(address))).isEqualTo(2 * threads);
    }

    @RepeatedTest(3)
    void checkWhenThreadsCheckTogetherAsAWaitEndsThenExactlyOneIsLetThrough() throws Exception {
        for (int i = 0; i < 4; i++) {
            throttle.failed(name, address);
        }
        clock.advance(Duration.ofSeconds(1));
        AtomicInteger letThrough = new AtomicInteger();

        race(16, () -> {
            if (throttle.check(name, address).isEmpty()) {
                letThrough.incrementAndGet();
            }
        });

        assertThat(letThrough).as("attempts whose password would be checked").hasValue(1);
        assertThat(throttle.check(name, address)).as("the others wait again").contains(Duration.ofSeconds(1));
    }

    @Test
    void sweepWhenManyForgottenRowsThenAtMostOneBatchPerCall() {
        for (int i = 0; i < 250; i++) {
            throttle.failed(name + "-" + i, null);
        }
        clock.advance(Duration.ofHours(2));
        long before = failures.size();

        int deleted = failures.sweep(clock.instant().minus(Duration.ofHours(1)));

        assertThat(deleted).isEqualTo(LoginFailures.SWEEP_BATCH);
        assertThat(failures.size()).isEqualTo(before - LoginFailures.SWEEP_BATCH);
    }

    @Test
    void failedWhenSprayOfRandomNamesThenTableHoldsOnlyTheLastHoursNames() {
        // One new name every 10 s for 5.5 hours: only the names of the last hour (360) may stay, each with its
        // (name, address) pair, plus the address.
        long before = failures.size();
        long largest = 0;
        for (int i = 0; i < 2000; i++) {
            clock.advance(Duration.ofSeconds(10));
            throttle.failed(name + "-" + i, address);
            largest = Math.max(largest, failures.size());
        }

        assertThat(failures.size()).isLessThanOrEqualTo(2 * 361 + 1);
        assertThat(largest).isLessThanOrEqualTo(before + 2 * 361 + 1);
    }

    // helpers

    private void fail(String username, int times) {
        for (int i = 0; i < times; i++) {
            throttle.failed(username, null);
        }
    }

    private int count(byte[] subject) {
        return failures.find(subject).map(LoginFailures.Failures::count).orElse(0);
    }

    /** Runs the action on that many threads, released together; fails if any throws. */
    static void race(int threads, Runnable action) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Callable<Object> task = () -> {
                    ready.countDown();
                    go.await();
                    action.run();
                    return null;
                };
                futures.add(pool.submit(task));
            }
            assertThat(ready.await(30, TimeUnit.SECONDS)).as("threads started").isTrue();
            go.countDown();
            for (Future<Object> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
