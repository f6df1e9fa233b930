package io.otpgate.bench;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.otpgate.core.HmacAlgorithm;
import io.otpgate.core.OtpSecret;
import io.otpgate.core.RecoveryCodeDigest;
import io.otpgate.core.RecoveryCodes;
import io.otpgate.core.Totp;
import io.otpgate.core.TotpMatch;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the core's hot paths against the floor they cannot beat: one HMAC-SHA1 of an 8-byte counter on a
 * {@link Mac} that is already keyed. Targets (issue 2): verifying the current code with a window of 1 costs at most
 * 2x the floor, a wrong code at most 4x (the core absorbs the keyed HMAC pads once a verification, then costs two
 * hash compressions a step, where this floor costs four).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class CoreBenchmark {

    private static final Instant NOW = Instant.ofEpochSecond(1_700_000_015L);

    private final byte[] counter = new byte[8];
    private Mac keyedMac;
    private OtpSecret secret;
    private Totp totp;
    private String currentCode;
    private String wrongCode;
    private RecoveryCodeDigest digest;
    private String recoveryCode;

    @Setup
    public void setUp() throws GeneralSecurityException {
        secret = OtpSecret.fromHex("3132333435363738393031323334353637383930");
        keyedMac = Mac.getInstance("HmacSHA1");
        keyedMac.init(new SecretKeySpec(secret.exposeBytes(), "HmacSHA1"));
        totp = Totp.defaults();
        currentCode = totp.generate(secret, NOW);
        wrongCode = codeOutsideWindow();
        digest = new RecoveryCodeDigest(OtpSecret.fromHex("00112233445566778899aabbccddeeff".repeat(2)));
        recoveryCode = RecoveryCodes.defaults().normalize("abcd-efgh-jkmn-pqrs").orElseThrow();
        if (totp.verify(secret, currentCode, NOW, 1).isEmpty() || totp.verify(secret, wrongCode, NOW, 1).isPresent()) {
            throw new IllegalStateException("benchmark codes do not behave as intended");
        }
    }

    private String codeOutsideWindow() {
        long step = totp.step(NOW);
        for (int candidate = 0; ; candidate++) {
            String code = String.format("%06d", candidate);
            if (!code.equals(totp.generateAtStep(secret, step - 1)) && !code.equals(totp.generateAtStep(secret, step))
                    && !code.equals(totp.generateAtStep(secret, step + 1))) {
                return code;
            }
        }
    }

    /** The floor: HMAC-SHA1 of an 8-byte counter with a reused, already keyed Mac. */
    @Benchmark
    public byte[] rawHmacSha1() {
        counter[7]++;
        return keyedMac.doFinal(counter);
    }

    @Benchmark
    public String totpGenerate() {
        return totp.generate(secret, NOW);
    }

    @Benchmark
    public Optional<TotpMatch> totpVerifyCurrentWindow1() {
        return totp.verify(secret, currentCode, NOW, 1);
    }

    @Benchmark
    public Optional<TotpMatch> totpVerifyWrongWindow1() {
        return totp.verify(secret, wrongCode, NOW, 1);
    }

    @Benchmark
    public byte[] recoveryCodeDigest() {
        return digest.digest(recoveryCode);
    }

    /** For comparison only: what each HMAC would cost without reusing Mac instances. */
    @Benchmark
    public byte[] hmacSha1WithGetInstance() throws GeneralSecurityException {
        Mac mac = Mac.getInstance(HmacAlgorithm.SHA1.jcaName());
        mac.init(new SecretKeySpec("12345678901234567890".getBytes(StandardCharsets.US_ASCII), "HmacSHA1"));
        return mac.doFinal(counter);
    }
}
