package io.zerotrust.console;

import io.javalin.http.sse.SseClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One page listening to the live feed: the feed's updates go into a bounded queue that a thread of the page's own
 * drains into its Server-Sent Events stream, so a slow page never holds up the feed or the other pages. A page that
 * falls {@value #CAPACITY} updates behind is disconnected; its browser reconnects at once (EventSource does) and starts
 * again from the recent items and the latest snapshot, which is what a page that far behind should show anyway.
 */
final class LiveClient implements Consumer<LiveFeed.Update> {

    static final int CAPACITY = 10_000;
    private static final AtomicInteger NUMBER = new AtomicInteger();

    private final SseClient client;
    private final LiveFeed feed;
    private final BlockingQueue<LiveFeed.Update> queue = new ArrayBlockingQueue<>(CAPACITY);
    private volatile boolean open = true;

    private LiveClient(SseClient client, LiveFeed feed) {
        this.client = client;
        this.feed = feed;
    }

    /** Subscribes a new SSE client to the feed and starts its sender. */
    static void attach(SseClient client, LiveFeed feed) {
        client.keepAlive();
        LiveClient c = new LiveClient(client, feed);
        client.onClose(c::stop);
        c.queue.addAll(feed.subscribe(c));
        Thread t = new Thread(c::send, "console-live-client-" + NUMBER.incrementAndGet());
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void accept(LiveFeed.Update u) {
        if (!open) {
            throw new IllegalStateException("closed");
        }
        if (!queue.offer(u)) {
            stop();
            client.close(); // too far behind: the browser reconnects and starts from the latest
            throw new IllegalStateException("the page fell " + CAPACITY + " updates behind");
        }
    }

    private void stop() {
        open = false;
        feed.unsubscribe(this);
    }

    private void send() {
        List<LiveFeed.Update> batch = new ArrayList<>();
        try {
            while (open && !client.terminated()) {
                LiveFeed.Update first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 500);
                for (LiveFeed.Update u : batch) {
                    if (client.terminated()) {
                        break; // the page went away: the rest of the batch would only be warnings
                    }
                    client.sendEvent(u.kind(), u.json());
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException gone) {
            // the page went away while being written to
        } finally {
            stop();
        }
    }
}
