package io.otpgate.server.user;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.jna.IntegerType;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * argon2id in the reference C implementation (phc-winner-argon2, Debian's package {@code libargon2-1}), called
 * through JNA. The password is copied into native memory that is zeroed after the call.
 */
final class NativeArgon2id implements Argon2id {

    private static final Logger log = LoggerFactory.getLogger(NativeArgon2id.class);

    /**
     * The names tried, in order: Debian's {@code libargon2-1} installs only the versioned file (the unversioned
     * {@code libargon2.so} comes with {@code libargon2-dev}); "argon2" is what other systems call it.
     */
    static final List<String> LIBRARY_NAMES = List.of("libargon2.so.1", "argon2");

    /** argon2.h of phc-winner-argon2: the one function otpgate calls. */
    interface LibArgon2 extends Library {
        /** {@code int argon2id_hash_raw(uint32_t t_cost, uint32_t m_cost, uint32_t parallelism, const void *pwd,
         * size_t pwdlen, const void *salt, size_t saltlen, void *hash, size_t hashlen)}: 0 is ARGON2_OK. */
        int argon2id_hash_raw(int tCost, int mCost, int parallelism, Pointer pwd, SizeT pwdlen, byte[] salt,
                SizeT saltlen, byte[] hash, SizeT hashlen);
    }

    /** C's {@code size_t}, unsigned and as wide as the platform's. */
    public static final class SizeT extends IntegerType {
        private static final long serialVersionUID = 1L;

        public SizeT() {
            this(0);
        }

        SizeT(long value) {
            super(Native.SIZE_T_SIZE, value, true);
        }
    }

    private final LibArgon2 library;
    private final String name;

    private NativeArgon2id(LibArgon2 library, String name) {
        this.library = library;
        this.name = name;
    }

    /** The native implementation, loaded once a JVM; empty if no library loads or it fails its known answer. */
    static Optional<NativeArgon2id> available() {
        return Loaded.INSTANCE;
    }

    private static final class Loaded {
        static final Optional<NativeArgon2id> INSTANCE = load();
    }

    private static Optional<NativeArgon2id> load() {
        for (String libraryName : LIBRARY_NAMES) {
            NativeArgon2id candidate;
            try {
                candidate = new NativeArgon2id(Native.load(libraryName, LibArgon2.class), "native " + libraryName);
            } catch (LinkageError | RuntimeException e) {
                log.debug("argon2 library {} not loaded: {}", libraryName, e.toString());
                continue;
            }
            if (candidate.passesKnownAnswer()) {
                return Optional.of(candidate);
            }
            log.warn("argon2 library {} gives a wrong argon2id hash for a known answer: not used", libraryName);
        }
        return Optional.empty();
    }

    /** phc-winner-argon2's src/test.c: argon2id v=19, t=2, m=256, p=1, "password", "somesalt". */
    private boolean passesKnownAnswer() {
        try {
            byte[] hash = hash("password".getBytes(StandardCharsets.US_ASCII),
                    "somesalt".getBytes(StandardCharsets.US_ASCII), 256, 2, 1, 32);
            return HexFormat.of().formatHex(hash)
                    .equals("9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe");
        } catch (LinkageError | RuntimeException e) {
            log.debug("argon2 library refused its known-answer test: {}", e.toString());
            return false;
        }
    }

    @Override
    public byte[] hash(byte[] password, byte[] salt, int memoryKib, int iterations, int parallelism,
            int hashLength) {
        byte[] hash = new byte[hashLength];
        int code;
        // JNA refuses to allocate 0 bytes; argon2 reads none of it when pwdlen is 0.
        try (Memory pwd = new Memory(Math.max(1, password.length))) {
            try {
                pwd.write(0, password, 0, password.length);
                code = library.argon2id_hash_raw(iterations, memoryKib, parallelism, pwd,
                        new SizeT(password.length), salt, new SizeT(salt.length), hash, new SizeT(hashLength));
            } finally {
                pwd.clear();
            }
        }
        if (code != 0) {
            throw new IllegalStateException("argon2id_hash_raw failed with argon2 error code " + code);
        }
        return hash;
    }

    @Override
    public String name() {
        return name;
    }
}
