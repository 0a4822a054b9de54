package dev.opcached.client;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The lines of a streamed answer, handed from the HTTP client's threads to the caller's, which
 * waits for each at most an idle timeout: there is no limit on the whole answer. One line is asked
 * of the connection at a time, so a slow caller holds the server back through TCP, not memory.
 */
final class StreamedLines implements Flow.Subscriber<String> {
    /** Queued after the last line. */
    private static final Object END = new Object();

    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private volatile Flow.Subscription subscription;
    private volatile int status;
    private volatile String contentType = "";

    /** The body handler that feeds this: it notes the status and the content type first. */
    HttpResponse.BodyHandler<Void> handler() {
        return info -> {
            status = info.statusCode();
            contentType = info.headers().firstValue("Content-Type").orElse("");
            return HttpResponse.BodySubscribers.fromLineSubscriber(this);
        };
    }

    /** The call failed before or while its body came (the HTTP client's future). */
    void failed(Throwable failure) {
        events.add(failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure);
    }

    /** The answer's status; known once the first line (or the end) has been taken. */
    int status() {
        return status;
    }

    String contentType() {
        return contentType;
    }

    /**
     * The next line, or null at the end of the body.
     *
     * @throws TimeoutException    nothing came within {@code idle}
     * @throws ExecutionException  the call failed; its cause says how
     */
    String next(Duration idle) throws TimeoutException, ExecutionException, InterruptedException {
        Object event = events.poll(idle.toMillis(), TimeUnit.MILLISECONDS);
        if (event == null) {
            throw new TimeoutException("no line within " + idle);
        }
        if (event == END) {
            events.add(END);
            return null;
        }
        if (event instanceof Throwable failure) {
            events.add(failure);
            throw new ExecutionException(failure);
        }
        subscription.request(1);
        return (String) event;
    }

    /** Stops reading: the connection is closed. */
    void cancel() {
        Flow.Subscription current = subscription;
        if (current != null) {
            current.cancel();
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        subscription.request(1);
    }

    @Override
    public void onNext(String line) {
        events.add(line);
    }

    @Override
    public void onError(Throwable failure) {
        events.add(failure);
    }

    @Override
    public void onComplete() {
        events.add(END);
    }
}
