package io.otpgate.server.user;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * argon2id in Java (Bouncy Castle's {@link Argon2BytesGenerator}, as Spring Security's Argon2PasswordEncoder uses):
 * the fallback when the native library is missing, several times slower per hash.
 */
final class JavaArgon2id implements Argon2id {

    @Override
    public byte[] hash(byte[] password, byte[] salt, int memoryKib, int iterations, int parallelism,
            int hashLength) {
        Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt)
                .withMemoryAsKB(memoryKib)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] hash = new byte[hashLength];
        generator.generateBytes(password, hash);
        return hash;
    }

    @Override
    public String name() {
        return "Bouncy Castle (Java)";
    }
}
