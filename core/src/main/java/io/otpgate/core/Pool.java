package io.otpgate.core;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A small lock-free pool of objects that are costly to make and not thread-safe (a keyed {@code Mac}). It never
 * blocks and never holds more than its slots: when empty it makes a new object, when full it drops the returned one.
 * Unlike a {@code ThreadLocal}, it keeps its objects for short-lived (virtual) threads too.
 */
final class Pool<T> {

    private static final int SLOTS = 32;

    private final Supplier<T> factory;
    private final Consumer<T> cleaner;
    private final AtomicReferenceArray<T> idle = new AtomicReferenceArray<>(SLOTS);

    Pool(Supplier<T> factory) {
        this(factory, item -> { });
    }

    /**
     * @param cleaner run on every object given back, before it waits in the pool or is dropped: it erases what the
     *     last borrower left in it (an engine keyed with a user's secret is as good as the secret)
     */
    Pool(Supplier<T> factory, Consumer<T> cleaner) {
        this.factory = factory;
        this.cleaner = cleaner;
    }

    T borrow() {
        int start = Thread.currentThread().hashCode();
        for (int i = 0; i < SLOTS; i++) {
            int slot = (start + i) & (SLOTS - 1);
            T item = idle.get(slot);
            if (item != null && idle.compareAndSet(slot, item, null)) {
                return item;
            }
        }
        return factory.get();
    }

    void release(T item) {
        cleaner.accept(item);
        int start = Thread.currentThread().hashCode();
        for (int i = 0; i < SLOTS; i++) {
            int slot = (start + i) & (SLOTS - 1);
            if (idle.get(slot) == null && idle.compareAndSet(slot, null, item)) {
                return;
            }
        }
    }
}
