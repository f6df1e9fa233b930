package io.otpgate.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The engine's HMAC, built on cloned digest states, against the JDK's {@code javax.crypto.Mac}. */
class OathEngineTest {

    @ParameterizedTest
    @EnumSource(HmacAlgorithm.class)
    void hmacWhenAnyKeyLengthThenSameAsJavaxCryptoMac(HmacAlgorithm algorithm) throws Exception {
        Random random = new Random(2104);
        Mac reference = Mac.getInstance(algorithm.jcaName());
        OathEngine engine = algorithm.engines.borrow();
        // 1..300 bytes covers keys shorter than, equal to and longer than the block (64 or 128 bytes).
        for (int keyLength = 1; keyLength <= 300; keyLength++) {
            byte[] key = new byte[keyLength];
            random.nextBytes(key);
            engine.init(OtpSecret.ofBytes(key));
            reference.init(new SecretKeySpec(key, algorithm.jcaName()));
            for (int i = 0; i < 3; i++) {
                long counter = i == 0 ? 0 : random.nextLong();
                engine.value(counter, 6);
                assertThat(engine.lastHmac()).as("key of %d bytes, counter %d", keyLength, counter)
                        .isEqualTo(reference.doFinal(ByteBuffer.allocate(8).putLong(counter).array()));
            }
        }
        algorithm.engines.release(engine);
    }

    @ParameterizedTest
    @EnumSource(HmacAlgorithm.class)
    void releaseWhenEngineGivenBackThenNothingOfTheKeyRemains(HmacAlgorithm algorithm) {
        OathEngine first = algorithm.engines.borrow();
        OathEngine second = algorithm.engines.borrow();
        first.init(OtpSecret.ofBytes(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}));
        second.init(OtpSecret.ofBytes(new byte[] {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}));
        assertThat(first.value(7, 8)).as("two keys, two values").isNotEqualTo(second.value(7, 8));

        algorithm.engines.release(first);
        algorithm.engines.release(second);

        assertThat(first.lastHmac()).containsOnly(0);
        assertThat(second.lastHmac()).containsOnly(0);
        assertThat(first.value(7, 8)).as("the pad states of both keys are gone").isEqualTo(second.value(7, 8));
    }
}
