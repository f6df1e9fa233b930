package io.otpgate.server.user;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

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

    /**
     * {@link #fastest()}, chosen on a background thread: loading the native library (JNA unpacks and loads its own
     * first) takes tens of milliseconds that start-up need not wait for. A hash asked for sooner waits for it.
     *
     * @param chosen told once which implementation it is, on the background thread
     */
    static Argon2id fastestInBackground(Consumer<Argon2id> chosen) {
        CompletableFuture<Argon2id> choice = new CompletableFuture<>();
        Thread loader = new Thread(() -> {
            Argon2id fastest;
            try {
                fastest = fastest();
            } catch (Throwable e) {
                fastest = new JavaArgon2id();
            }
            choice.complete(fastest);
            chosen.accept(fastest);
        }, "otpgate-argon2-load");
        loader.setDaemon(true);
        loader.start();
        return new Argon2id() {
            @Override
            public byte[] hash(byte[] password, byte[] salt, int memoryKib, int iterations, int parallelism,
                    int hashLength) {
                return choice.join().hash(password, salt, memoryKib, iterations, parallelism, hashLength);
            }

            @Override
            public String name() {
                return choice.join().name();
            }
        };
    }
}
