package io.otpgate.server.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;

class Argon2idHasherTest {

    static final Argon2id java = new JavaArgon2id();

    /** The native library, required when CI is set (.ci/run installs libargon2-1), else an assumption. */
    static Argon2id nativeOrSkip() {
        var loaded = NativeArgon2id.available();
        if (loaded.isEmpty()) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isEmpty()) {
                throw new IllegalStateException("no native argon2 library loads (" + NativeArgon2id.LIBRARY_NAMES
                        + "; .ci/run installs libargon2-1); CI is set, so its tests may not be skipped");
            }
            assumeTrue(false, "no native argon2 library");
        }
        return loaded.get();
    }

    static Stream<Argon2id> implementations() {
        List<Argon2id> all = new ArrayList<>(List.of(java));
        NativeArgon2id.available().ifPresent(all::add);
        return all.stream();
    }

    static Argon2idHasher owasp(Argon2id function) {
        return new Argon2idHasher(function, 19_456, 2, 1, 16, 32, 2);
    }

    @Test
    void nativeWhenCiThenLoaded() {
        assertThat(nativeOrSkip().name()).startsWith("native ");
    }

    /** phc-winner-argon2's src/test.c, the argon2id vectors of version 0x13 (m is 2^log2m KiB). */
    @ParameterizedTest
    @CsvSource(textBlock = """
            2, 16, 1, password,          somesalt, 09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7
            2,  8, 1, password,          somesalt, 9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe
            2,  8, 2, password,          somesalt, 6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037
            1, 16, 1, password,          somesalt, f6a5adc1ba723dddef9b5ac1d464e180fcd9dffc9d1cbf76cca2fed795d9ca98
            2, 16, 1, differentpassword, somesalt, 0b84d652cf6b0c4beaef0dfe278ba6a80df6696281d7e0d2891b817d8c458fde
            2, 16, 1, password,          diffsalt, bdf32b05ccc42eb15d58fd19b1f856b113da1e9a5874fdcc544308565aa8141c
            """)
    void hashWhenReferenceVectorThenBothImplementationsGiveIt(int t, int log2m, int p, String password, String salt,
            String expected) {
        byte[] pwd = password.getBytes(StandardCharsets.US_ASCII);
        byte[] s = salt.getBytes(StandardCharsets.US_ASCII);

        assertThat(HexFormat.of().formatHex(java.hash(pwd, s, 1 << log2m, t, p, 32))).isEqualTo(expected);
        assertThat(HexFormat.of().formatHex(nativeOrSkip().hash(pwd, s, 1 << log2m, t, p, 32))).isEqualTo(expected);
    }

    /** The same vector in its PHC string, as src/test.c encodes it. */
    @ParameterizedTest
    @MethodSource("implementations")
    void matchesWhenReferenceEncodedStringThenTrue(Argon2id function) {
        String encoded = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

        assertThat(owasp(function).matches("password", encoded)).isTrue();
        assertThat(owasp(function).matches("passwore", encoded)).isFalse();
    }

    static Stream<Arguments> randomInputs() {
        Random random = new Random(20261206);
        List<Arguments> inputs = new ArrayList<>();
        int[][] parameters = {{8, 1, 1}, {32, 1, 4}, {64, 3, 1}, {256, 2, 2}, {1024, 1, 1}, {4096, 4, 3},
            {19_456, 2, 1}};
        for (int[] p : parameters) {
            byte[] password = new byte[random.nextInt(65)];
            byte[] salt = new byte[8 + random.nextInt(57)];
            random.nextBytes(password);
            random.nextBytes(salt);
            inputs.add(Arguments.of(password, salt, p[0], p[1], p[2], 16 + random.nextInt(49)));
        }
        return inputs.stream();
    }

    @ParameterizedTest
    @MethodSource("randomInputs")
    void hashWhenRandomInputThenNativeEqualsJava(byte[] password, byte[] salt, int memoryKib, int iterations,
            int parallelism, int hashLength) {
        Argon2id nativeArgon2 = nativeOrSkip();

        assertThat(nativeArgon2.hash(password, salt, memoryKib, iterations, parallelism, hashLength))
                .isEqualTo(java.hash(password, salt, memoryKib, iterations, parallelism, hashLength));
    }

    @Test
    void hashWhenNativeRefusesThenErrorCodeWithoutPassword() {
        Argon2id nativeArgon2 = nativeOrSkip();
        byte[] password = "secret password".getBytes(StandardCharsets.UTF_8);

        // ARGON2_MEMORY_TOO_LITTLE: fewer than 8 KiB a lane.
        assertThatThrownBy(() -> nativeArgon2.hash(password, "somesalt".getBytes(StandardCharsets.US_ASCII), 4, 1,
                1, 32)).isInstanceOf(IllegalStateException.class)
                .hasMessage("argon2id_hash_raw failed with argon2 error code -14");
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void matchesWhenStoredBySpringDefaultsThenTrueAndUpgradeWanted(Argon2id function) {
        String stored = Argon2PasswordEncoder.defaultsForSpringSecurity_v5_8().encode("correct horse battery");
        Argon2idHasher hasher = owasp(function);

        assertThat(stored).startsWith("$argon2id$v=19$m=16384,t=2,p=1$");
        assertThat(hasher.matches("correct horse battery", stored)).isTrue();
        assertThat(hasher.matches("correct horse batterY", stored)).isFalse();
        assertThat(hasher.upgradeEncoding(stored)).isTrue();
    }

    @ParameterizedTest
    @MethodSource("implementations")
    void encodeWhenNewThenOwaspParametersNoUpgradeAndSpringMatchesIt(Argon2id function) {
        Argon2idHasher hasher = owasp(function);

        String hash = hasher.encode("correct horse battery ✓");

        assertThat(hash).matches("\\$argon2id\\$v=19\\$m=19456,t=2,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
        assertThat(hasher.upgradeEncoding(hash)).isFalse();
        assertThat(hasher.matches("correct horse battery ✓", hash)).isTrue();
        assertThat(hasher.encode("correct horse battery ✓")).isNotEqualTo(hash);
        Argon2PasswordEncoder spring = Argon2PasswordEncoder.defaultsForSpringSecurity_v5_8();
        assertThat(spring.matches("correct horse battery ✓", hash)).isTrue();
        assertThat(spring.matches("correct horse battery", hash)).isFalse();
    }

    @Test
    void matchesWhenLoneSurrogateThenFalseAndEncodeRefuses() {
        Argon2idHasher hasher = new Argon2idHasher(java, 64, 1, 1, 16, 32, 1);
        String question = hasher.encode("password?");

        assertThat(hasher.matches("password\ud800", question)).isFalse();
        assertThatThrownBy(() -> hasher.encode("password\udc00"))
                .hasMessage("rawPassword must be Unicode text, without a lone UTF-16 surrogate");
    }

    @Test
    void upgradeEncodingWhenAnyParameterWeakerThenTrue() {
        Argon2idHasher hasher = new Argon2idHasher(java, 64, 2, 1, 16, 32, 1);
        String salt16 = "AAAAAAAAAAAAAAAAAAAAAA";
        String hash32 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

        assertThat(hasher.upgradeEncoding("$argon2id$v=19$m=64,t=2,p=1$" + salt16 + "$" + hash32)).isFalse();
        assertThat(hasher.upgradeEncoding("$argon2id$v=19$m=128,t=3,p=2$" + salt16 + "$" + hash32)).isFalse();
        assertThat(hasher.upgradeEncoding("$argon2id$v=19$m=63,t=2,p=1$" + salt16 + "$" + hash32)).isTrue();
        assertThat(hasher.upgradeEncoding("$argon2id$v=19$m=64,t=1,p=1$" + salt16 + "$" + hash32)).isTrue();
        assertThat(hasher.upgradeEncoding("$argon2id$v=19$m=64,t=2,p=1$AAAAAAAAAAA$" + hash32)).isTrue();
        assertThat(hasher.upgradeEncoding("$argon2id$v=19$m=64,t=2,p=1$" + salt16 + "$AAAAAAAAAAAAAAAAAAAAAA"))
                .isTrue();
    }

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", delimiter = '|', textBlock = """
            NULL
            ''
            $argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ
            $argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc$
            $argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc=
            $argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbH$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
            $argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1a-aMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
            $argon2id$v=16$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
            $argon2id$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
            $argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
            $argon2id$v=19$t=2,m=65536,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
            $argon2id$v=19$m=7,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
            $argon2id$v=19$m=15,t=2,p=2$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
            $argon2id$v=19$m=65536,t=0,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
            $argon2id$v=19$m=65536,t=2,p=0$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
            $argon2id$v=19$m=9999999,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
            $argon2id$v=19$m=65536,t=99,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
            $argon2id$v=19$m=65536,t=2,p=17$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
            $argon2id$v=19$m=-65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
            $argon2id$v=19$m=65536,t=2,p=1$c29tc2Fsd$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc
            $argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRP
            pbkdf2_sha256$260000$salt$dMTBKgg/A/pkl3sv0okSKkbL4inFYx7ckIuhgwzyNb0=
            """)
    void matchesWhenMalformedThenFalseAndNoUpgrade(String stored) {
        for (Argon2id function : implementations().toList()) {
            Argon2idHasher hasher = owasp(function);
            assertThat(hasher.matches("password", stored)).as(function.name()).isFalse();
            assertThat(hasher.upgradeEncoding(stored)).as(function.name()).isFalse();
        }
    }

    @Test
    void matchesWhenManyAtOnceThenAtMostConcurrencyComputing() throws Exception {
        int concurrency = 2;
        int threads = 6;
        AtomicInteger computing = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch finish = new CountDownLatch(1);
        Argon2id blocking = new Argon2id() {
            @Override
            public byte[] hash(byte[] password, byte[] salt, int memoryKib, int iterations, int parallelism,
                    int hashLength) {
                most.accumulateAndGet(computing.incrementAndGet(), Math::max);
                try {
                    assertThat(finish.await(30, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    computing.decrementAndGet();
                }
                return new byte[hashLength];
            }

            @Override
            public String name() {
                return "blocking";
            }
        };
        Argon2idHasher hasher = new Argon2idHasher(blocking, 64, 1, 1, 16, 32, concurrency);
        String stored = "$argon2id$v=19$m=64,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
                + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger arrived = new AtomicInteger();
        AtomicInteger matched = new AtomicInteger();
        List<Thread> started = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                arrived.incrementAndGet();
                if (hasher.matches("password", stored)) {
                    matched.incrementAndGet();
                }
            });
            thread.start();
            started.add(thread);
        }

        start.countDown();
        // Every thread either computes (waiting for finish) or waits for a permit.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(arrived.get() == threads && started.stream().allMatch(t -> t.getState() == Thread.State.WAITING
                || t.getState() == Thread.State.TIMED_WAITING)) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        int computingWhileAllWait = computing.get();
        finish.countDown();
        for (Thread thread : started) {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }

        assertThat(computingWhileAllWait).isEqualTo(concurrency);
        assertThat(most.get()).isEqualTo(concurrency);
        assertThat(matched.get()).isEqualTo(threads);
    }

    @Test
    void constructorWhenParametersOutOfRangeThenRefused() {
        assertThatThrownBy(() -> new Argon2idHasher(java, 7, 2, 1, 16, 32, 1))
                .hasMessage("memoryKib must be 8..1048576, got 7");
        assertThatThrownBy(() -> new Argon2idHasher(java, 64, 0, 1, 16, 32, 1))
                .hasMessage("iterations must be 1..64, got 0");
        assertThatThrownBy(() -> new Argon2idHasher(java, 64, 2, 1, 16, 32, 0))
                .hasMessage("concurrency must be at least 1, got 0");
    }
}
