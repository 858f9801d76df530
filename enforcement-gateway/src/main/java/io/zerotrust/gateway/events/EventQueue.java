package io.zerotrust.gateway.events;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A bounded queue from many event loops to one sender thread that does not wake the sender for every item. A
 * blocking queue signals its consumer on each offer: at thousands of connections per second that is a futex call
 * and a context switch per event on the proxy's threads. Here, while items keep coming, the sender wakes on its own
 * every {@link #BUSY_NAP_NANOS} and takes what arrived meanwhile; only a sender that has gone idle (nothing for
 * {@link #IDLE_AFTER_NANOS}) asks to be woken by the next offer.
 *
 * @param <T> the item type
 */
final class EventQueue<T> {

    /** How long a busy sender sleeps between drains: the most an event waits in the queue under load. */
    static final long BUSY_NAP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** After this long without items the sender sleeps until woken. */
    static final long IDLE_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final int capacity;
    private volatile Thread sleeper;
    private long lastItemNanos;

    EventQueue(int capacity) {
        this.capacity = capacity;
    }

    /** Adds an item unless the queue is full; never blocks. */
    boolean offer(T item) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            return false;
        }
        items.offer(item);
        Thread s = sleeper;
        if (s != null) {
            sleeper = null;
            LockSupport.unpark(s);
        }
        return true;
    }

    /** The next item, waiting at most {@code timeoutMs} for one; null if none came. Sender thread only. */
    T poll(long timeoutMs) throws InterruptedException {
        T item = take();
        if (item != null) {
            return item;
        }
        long now = System.nanoTime();
        if (now - lastItemNanos < IDLE_AFTER_NANOS) {
            LockSupport.parkNanos(this, BUSY_NAP_NANOS);
        } else {
            sleeper = Thread.currentThread();
            if (items.isEmpty()) {
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(timeoutMs));
            }
            sleeper = null;
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        return take();
    }

    private T take() {
        T item = items.poll();
        if (item != null) {
            size.decrementAndGet();
            lastItemNanos = System.nanoTime();
        }
        return item;
    }

    boolean isEmpty() {
        return items.isEmpty();
    }

    int size() {
        return size.get();
    }
}
