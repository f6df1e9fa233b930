package io.otpgate.server.user;

/**
 * The argon2id function of RFC 9106 (version 0x13) on raw bytes, as one library computes it. Callers check the
 * parameters; an implementation only computes.
 */
interface Argon2id {

    /**
     * Computes an argon2id hash.
     *
     * @param password the password's bytes (UTF-8), read and not kept; the caller clears them
     * @param salt at least 8 bytes
     * @param memoryKib the memory cost in KiB, at least {@code 8 * parallelism}
     * @param iterations at least 1
     * @param parallelism the lanes, at least 1
     * @param hashLength the length of the result in bytes, at least 4
     * @throws IllegalStateException if the library refuses (its error code, never the password, in the message)
     */
    byte[] hash(byte[] password, byte[] salt, int memoryKib, int iterations, int parallelism, int hashLength);

    /** Which implementation this is, for the start-up log: {@code "native libargon2.so.1"}. */
    String name();

    /** The native library if it loads and passes its known-answer test, else Bouncy Castle's Java code. */
    static Argon2id fastest() {
        return NativeArgon2id.available().<Argon2id>map(n -> n).orElseGet(JavaArgon2id::new);
    }
}
