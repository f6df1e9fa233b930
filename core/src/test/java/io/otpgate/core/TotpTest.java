package io.otpgate.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TotpTest {

    /** RFC 6238 Appendix B uses an ASCII seed as long as the hash output of each algorithm. */
    static OtpSecret rfc6238Secret(HmacAlgorithm algorithm) {
        String seed = "1234567890".repeat(7).substring(0, algorithm.defaultSecretLength());
        return OtpSecret.ofBytes(seed.getBytes(StandardCharsets.US_ASCII));
    }

    private static final OtpSecret SECRET = rfc6238Secret(HmacAlgorithm.SHA1);
    private static final Totp TOTP = Totp.defaults();
    /** A moment well inside a step, so that +-1 step never crosses t0. */
    private static final Instant NOW = Instant.ofEpochSecond(1_700_000_015L);
    private static final long STEP = 1_700_000_015L / 30;

    @ParameterizedTest(name = "{0} at {1} gives {3}")
    @CsvSource(textBlock = """
            SHA1,   59,          0000000000000001, 94287082
            SHA256, 59,          0000000000000001, 46119246
            SHA512, 59,          0000000000000001, 90693936
            SHA1,   1111111109,  00000000023523EC, 07081804
            SHA256, 1111111109,  00000000023523EC, 68084774
            SHA512, 1111111109,  00000000023523EC, 25091201
            SHA1,   1111111111,  00000000023523ED, 14050471
            SHA256, 1111111111,  00000000023523ED, 67062674
            SHA512, 1111111111,  00000000023523ED, 99943326
            SHA1,   1234567890,  000000000273EF07, 89005924
            SHA256, 1234567890,  000000000273EF07, 91819424
            SHA512, 1234567890,  000000000273EF07, 93441116
            SHA1,   2000000000,  0000000003F940AA, 69279037
            SHA256, 2000000000,  0000000003F940AA, 90698825
            SHA512, 2000000000,  0000000003F940AA, 38618901
            SHA1,   20000000000, 0000000027BC86AA, 65353130
            SHA256, 20000000000, 0000000027BC86AA, 77737706
            SHA512, 20000000000, 0000000027BC86AA, 47863826
            """)
    void generateWhenRfc6238AppendixBThenExpectedCode(HmacAlgorithm algorithm, long time, String stepHex,
            String code) {
        Totp totp = Totp.builder().algorithm(algorithm).digits(8).build();
        OtpSecret secret = rfc6238Secret(algorithm);
        Instant now = Instant.ofEpochSecond(time);

        assertThat(totp.step(now)).isEqualTo(Long.parseLong(stepHex, 16));
        assertThat(totp.generate(secret, now)).isEqualTo(code);
        assertThat(totp.verify(secret, code, now, 0))
                .contains(new TotpMatch(Long.parseLong(stepHex, 16), 0));
    }

    @ParameterizedTest(name = "offset {0}")
    @ValueSource(ints = {-1, 0, 1})
    void verifyWhenWindowOneAndCodeOfAdjacentStepThenAcceptedWithDrift(int offset) {
        String code = TOTP.generateAtStep(SECRET, STEP + offset);

        assertThat(TOTP.verify(SECRET, code, NOW, 1)).contains(new TotpMatch(STEP + offset, offset));
    }

    @ParameterizedTest(name = "offset {0}")
    @ValueSource(ints = {-3, -2, 2, 3})
    void verifyWhenWindowOneAndCodeTwoStepsAwayThenRejected(int offset) {
        String code = TOTP.generateAtStep(SECRET, STEP + offset);

        assertThat(TOTP.verify(SECRET, code, NOW, 1)).isEmpty();
    }

    @Test
    void verifyWhenWindowZeroThenOnlyCurrentStepAccepted() {
        assertThat(TOTP.verify(SECRET, TOTP.generateAtStep(SECRET, STEP), NOW, 0)).isPresent();
        assertThat(TOTP.verify(SECRET, TOTP.generateAtStep(SECRET, STEP - 1), NOW, 0)).isEmpty();
        assertThat(TOTP.verify(SECRET, TOTP.generateAtStep(SECRET, STEP + 1), NOW, 0)).isEmpty();
    }

    @Test
    void verifyWhenCodeReusedThenRejected() {
        String code = TOTP.generate(SECRET, NOW);
        TotpMatch first = TOTP.verify(SECRET, code, NOW, 1, 0, Totp.NO_MIN_STEP).orElseThrow();

        assertThat(TOTP.verify(SECRET, code, NOW, 1, first.drift(), first.nextMinStep())).isEmpty();
    }

    @Test
    void verifyWhenStepAtOrBelowLowerBoundThenRejectedAndLaterStepAccepted() {
        long lastUsed = STEP;
        for (int offset = -1; offset <= 0; offset++) {
            assertThat(TOTP.verify(SECRET, TOTP.generateAtStep(SECRET, STEP + offset), NOW, 1, 0, lastUsed + 1))
                    .as("offset %d", offset).isEmpty();
        }
        assertThat(TOTP.verify(SECRET, TOTP.generateAtStep(SECRET, STEP + 1), NOW, 1, 0, lastUsed + 1))
                .contains(new TotpMatch(STEP + 1, 1));
    }

    @Test
    void verifyWhenDriftStoredThenWindowMovesWithIt() {
        int drift = 3;

        assertThat(TOTP.verify(SECRET, TOTP.generateAtStep(SECRET, STEP + 3), NOW, 1, drift, Totp.NO_MIN_STEP))
                .contains(new TotpMatch(STEP + 3, 3));
        assertThat(TOTP.verify(SECRET, TOTP.generateAtStep(SECRET, STEP + 4), NOW, 1, drift, Totp.NO_MIN_STEP))
                .contains(new TotpMatch(STEP + 4, 4));
        assertThat(TOTP.verify(SECRET, TOTP.generateAtStep(SECRET, STEP + 2), NOW, 1, drift, Totp.NO_MIN_STEP))
                .contains(new TotpMatch(STEP + 2, 2));
        assertThat(TOTP.verify(SECRET, TOTP.generateAtStep(SECRET, STEP), NOW, 1, drift, Totp.NO_MIN_STEP))
                .as("the current step is now outside the moved window").isEmpty();
        assertThat(TOTP.verify(SECRET, TOTP.generateAtStep(SECRET, STEP + 5), NOW, 1, drift, Totp.NO_MIN_STEP))
                .isEmpty();
    }

    @Test
    void verifyWhenNegativeDriftThenWindowMovesBack() {
        assertThat(TOTP.verify(SECRET, TOTP.generateAtStep(SECRET, STEP - 3), NOW, 1, -2, Totp.NO_MIN_STEP))
                .contains(new TotpMatch(STEP - 3, -3));
    }

    @Test
    void stepWhenPeriodAndT0SetThenCountedFromT0() {
        Totp totp = Totp.builder().period(Duration.ofSeconds(60)).t0(1_000).build();

        assertThat(totp.step(Instant.ofEpochSecond(1_000))).isZero();
        assertThat(totp.step(Instant.ofEpochSecond(1_059))).isZero();
        assertThat(totp.step(Instant.ofEpochSecond(1_060))).isEqualTo(1);
        assertThat(totp.generate(SECRET, Instant.ofEpochSecond(1_060)))
                .isEqualTo(Hotp.defaults().generate(SECRET, 1));
        assertThatThrownBy(() -> totp.step(Instant.ofEpochSecond(999)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be before t0");
    }

    @Test
    void verifyWhenWindowReachesBeforeStepZeroThenNegativeStepsSkipped() {
        Instant start = Instant.ofEpochSecond(5);

        assertThat(TOTP.verify(SECRET, TOTP.generateAtStep(SECRET, 0), start, 2)).contains(new TotpMatch(0, 0));
        assertThat(TOTP.verify(SECRET, "000000", start, 2, -5, Totp.NO_MIN_STEP)).isEmpty();
    }

    @Test
    void verifyWhenCodeMalformedThenRejected() {
        String valid = TOTP.generate(SECRET, NOW);
        List<String> malformed = List.of("", valid.substring(1), valid + "0", "abcdef", "١٢٣٤٥٦", "１２３４５６",
                "12 456", "1".repeat(1_000_000));
        for (String code : malformed) {
            assertThat(TOTP.verify(SECRET, code, NOW, 1)).as("code of length %d", code.length()).isEmpty();
        }
        assertThat(TOTP.verify(SECRET, null, NOW, 1)).isEmpty();
    }

    @Test
    void builderWhenSettingsOutOfRangeThenClearMessages() {
        assertThatThrownBy(() -> Totp.builder().digits(9).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("digits must be 6..8, got 9");
        assertThatThrownBy(() -> Totp.builder().period(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("period must be");
        assertThatThrownBy(() -> Totp.builder().period(Duration.ofMillis(1500)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("period must be");
        assertThatThrownBy(() -> Totp.builder().t0(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("t0 must be 0 or more, got -1");
        assertThatThrownBy(() -> TOTP.verify(SECRET, "123456", NOW, 11))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("window must be 0..10, got 11");
        assertThatThrownBy(() -> TOTP.verify(SECRET, "123456", null, 1))
                .isInstanceOf(NullPointerException.class).hasMessage("now cannot be null");
    }

    @Test
    void verifyWhenManyThreadsAtOnceThenEachGetsItsOwnAnswer() throws Exception {
        int threads = 16;
        int rounds = 2_000;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                HmacAlgorithm algorithm = HmacAlgorithm.values()[t % 3];
                OtpSecret secret = rfc6238Secret(algorithm);
                Totp totp = Totp.builder().algorithm(algorithm).digits(6 + t % 3).build();
                Callable<Integer> task = () -> {
                    start.await();
                    int wrong = 0;
                    for (int r = 0; r < rounds; r++) {
                        Instant now = NOW.plusSeconds(30L * r);
                        String code = totp.generate(secret, now);
                        if (totp.verify(secret, code, now, 1).map(TotpMatch::drift).orElse(99) != 0) {
                            wrong++;
                        }
                    }
                    return wrong;
                };
                results.add(pool.submit(task));
            }
            start.countDown();
            Set<Integer> wrongCounts = new HashSet<>();
            for (Future<Integer> result : results) {
                wrongCounts.add(result.get());
            }
            assertThat(wrongCounts).containsExactly(0);
        } finally {
            pool.shutdownNow();
        }
    }
}
