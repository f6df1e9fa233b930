package io.otpgate.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Our codes against OATH Toolkit's {@code oathtool} (Debian package oathtool), an implementation nobody here wrote,
 * for random secrets, algorithms, digit counts, periods, t0 and times. Each run of oathtool prints several
 * consecutive codes ({@code -w}), all of which are compared.
 */
class OathtoolInteropTest {

    private static final int CASES = 80;
    private static final int EXTRA_CODES = 3;

    private ExternalTool oathtool;
    /** Seeded from SecureRandom, printed on failure, so that a failing case can be replayed. */
    private Random random;
    private long seed;

    @BeforeEach
    void setUp() {
        oathtool = ExternalTool.require("oathtool");
        seed = new SecureRandom().nextLong();
        random = new Random(seed);
    }

    @Test
    void totpWhenRandomSettingsThenSameCodesAsOathtool() {
        for (int i = 0; i < CASES; i++) {
            HmacAlgorithm algorithm = HmacAlgorithm.values()[random.nextInt(3)];
            int digits = 6 + random.nextInt(3);
            int period = List.of(15, 30, 60, 90).get(random.nextInt(4));
            long t0 = random.nextInt(3) == 0 ? 0 : random.nextInt(1_000_000_000);
            long time = t0 + (long) (random.nextDouble() * 19_000_000_000L);
            OtpSecret secret = randomSecret();
            Totp totp = Totp.builder().algorithm(algorithm).digits(digits).period(Duration.ofSeconds(period))
                    .t0(t0).build();

            List<String> theirs = oathtool.run("--totp=" + algorithm.uriName().toLowerCase(Locale.ROOT),
                    "--digits=" + digits, "--time-step-size=" + period + "s", "--start-time=@" + t0,
                    "--now=@" + time, "--window=" + EXTRA_CODES, secret.exposeHex()).lines().toList();

            long step = totp.step(Instant.ofEpochSecond(time));
            List<String> ours = new ArrayList<>();
            for (int k = 0; k <= EXTRA_CODES; k++) {
                ours.add(totp.generateAtStep(secret, step + k));
            }
            assertThat(ours).as("seed %d, case %d: %s, secret of %d bytes, time %d", seed, i, totp,
                    secret.length(), time).isEqualTo(theirs);
            assertThat(totp.verify(secret, theirs.get(1), Instant.ofEpochSecond(time), 1))
                    .contains(new TotpMatch(step + 1, 1));
        }
    }

    @Test
    void hotpWhenRandomSettingsThenSameCodesAsOathtool() {
        for (int i = 0; i < CASES; i++) {
            int digits = 6 + random.nextInt(3);
            long counter = random.nextInt(2) == 0 ? random.nextInt(1_000) : random.nextLong() >>> 1;
            counter = Math.min(counter, Long.MAX_VALUE - EXTRA_CODES);
            OtpSecret secret = randomSecret();
            Hotp hotp = Hotp.of(HmacAlgorithm.SHA1, digits);

            List<String> theirs = oathtool.run("--hotp", "--digits=" + digits, "--counter=" + counter,
                    "--window=" + EXTRA_CODES, secret.exposeHex()).lines().toList();

            List<String> ours = new ArrayList<>();
            for (int k = 0; k <= EXTRA_CODES; k++) {
                ours.add(hotp.generate(secret, counter + k));
            }
            assertThat(ours).as("seed %d, case %d: %d digits, counter %d", seed, i, digits, counter)
                    .isEqualTo(theirs);
            assertThat(hotp.verify(secret, theirs.get(EXTRA_CODES), counter, EXTRA_CODES))
                    .contains(new HotpMatch(counter + EXTRA_CODES));
        }
    }

    @Test
    void totpWhenSecretGivenAsBase32ThenOathtoolAgrees() {
        OtpSecret secret = OtpSecret.generate(HmacAlgorithm.SHA1, new SecureRandom());
        long time = 1_700_000_000L + random.nextInt(100_000_000);

        String theirs = oathtool.run("--totp", "--base32", "--now=@" + time, secret.exposeBase32());

        assertThat(Totp.defaults().generate(secret, Instant.ofEpochSecond(time))).isEqualTo(theirs);
    }

    private OtpSecret randomSecret() {
        byte[] bytes = new byte[16 + random.nextInt(49)];
        random.nextBytes(bytes);
        return OtpSecret.ofBytes(bytes);
    }
}
