package trit.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import trit.api.chat.ChatDelta;
import trit.api.chat.ChatResponse;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.ProviderException;
import trit.api.routing.Route;

/** Records what the router passes on, and checks the listener protocol: exactly one terminal call, nothing after it. */
final class RecordingListener implements ChatStreamListener {

    final List<ChatDelta> deltas = new CopyOnWriteArrayList<>();
    volatile ChatResponse response;
    volatile ProviderException error;
    private final AtomicInteger terminals = new AtomicInteger();
    private final AtomicInteger afterTerminal = new AtomicInteger();
    private final CountDownLatch done = new CountDownLatch(1);

    @Override
    public void onDelta(ChatDelta delta) {
        if (terminals.get() > 0) {
            afterTerminal.incrementAndGet();
        }
        deltas.add(delta);
    }

    @Override
    public void onComplete(ChatResponse r) {
        response = r;
        terminal();
    }

    @Override
    public void onError(ProviderException e) {
        error = e;
        terminal();
    }

    private void terminal() {
        terminals.incrementAndGet();
        done.countDown();
    }

    /** Waits for the terminal call, then checks none came twice or after it. */
    RecordingListener await() throws InterruptedException {
        assertTrue(done.await(10, TimeUnit.SECONDS), "no terminal call within 10 s");
        Thread.sleep(100); // room for a wrong second terminal call to show up
        assertEquals(1, terminals.get(), "exactly one terminal call");
        assertEquals(0, afterTerminal.get(), "no delta after the terminal call");
        return this;
    }

    ChatResponse completed() throws InterruptedException {
        await();
        assertNotNull(response, () -> "expected an answer, got " + error);
        return response;
    }

    ProviderException failed() throws InterruptedException {
        await();
        assertNotNull(error, () -> "expected an error, got " + response);
        return error;
    }

    Route finalRoute() {
        return (Route) response.extensions().get(Route.EXTENSION);
    }

    Route firstDeltaRoute() {
        return (Route) deltas.get(0).extensions().get(Route.EXTENSION);
    }
}
