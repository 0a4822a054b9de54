package dev.opcached.daemon.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A test's load: client threads requesting pages of pools without pause, each thread every page
 * of its pool in an order of its own (shuffled again each pass), every answer checked by the
 * check in force when its request was sent; what was wrong or not answered is kept.
 */
public final class PageLoad implements AutoCloseable {
    /** How many wrong answers are kept to be shown; all are counted. */
    private static final int KEPT = 20;

    /** Whether {@code body} is a right answer of {@code page} (a path relative to the docroot). */
    @FunctionalInterface
    public interface Check {
        boolean right(String page, String body);
    }

    private final List<Thread> clients = new ArrayList<>();
    private final AtomicLongArray passes;
    private final AtomicLong answers = new AtomicLong();
    private final AtomicLong wrongCount = new AtomicLong();
    private final Queue<String> wrong = new ConcurrentLinkedQueue<>();
    private volatile Check check;
    private volatile boolean stopping;

    private PageLoad(int clients, Check check) {
        this.passes = new AtomicLongArray(clients);
        this.check = check;
    }

    /** Starts {@code clientsPerPool} threads for each of {@code pools}, requesting {@code pages}. */
    public static PageLoad start(List<PoolProcess> pools, List<String> pages, int clientsPerPool, Check check) {
        PageLoad load = new PageLoad(pools.size() * clientsPerPool, check);
        int client = 0;
        for (PoolProcess pool : pools) {
            for (int i = 0; i < clientsPerPool; i++) {
                int id = client++;
                Thread thread = new Thread(() -> load.request(id, pool, pages), "load-" + pool.port() + "-" + i);
                thread.setDaemon(true);
                load.clients.add(thread);
            }
        }
        load.clients.forEach(Thread::start);
        return load;
    }

    private void request(int id, PoolProcess pool, List<String> pages) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        List<String> order = new ArrayList<>(pages);
        Random random = new Random(id);
        while (!stopping) {
            Collections.shuffle(order, random);
            for (String page : order) {
                if (stopping) {
                    return;
                }
                Check now = check;
                try {
                    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + pool.port() + "/" + page)).timeout(Duration.ofSeconds(60))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    answers.incrementAndGet();
                    if (answer.statusCode() != 200 || !now.right(page, answer.body())) {
                        wrong(pool, page, answer.statusCode() + " " + answer.body());
                    }
                } catch (IOException e) {
                    wrong(pool, page, "no answer: " + e);
                } catch (InterruptedException e) {
                    return;
                }
            }
            passes.incrementAndGet(id);
        }
    }

    private void wrong(PoolProcess pool, String page, String what) {
        if (wrongCount.incrementAndGet() <= KEPT) {
            wrong.add("port " + pool.port() + " /" + page + ": " + what);
        }
    }

    /** Checks with {@code next} every answer to a request sent from now on. */
    public void check(Check next) {
        check = next;
    }

    /** Waits until every client has requested every page {@code more} times since this call, each a whole pass. */
    public void awaitPasses(int more, Duration timeout) throws Exception {
        long[] targets = new long[passes.length()];
        for (int i = 0; i < targets.length; i++) {
            // The pass running now began before the call: it does not count.
            targets[i] = passes.get(i) + 1 + more;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < targets.length; i++) {
            while (passes.get(i) < targets[i]) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new TimeoutException("client " + i + " did " + passes.get(i) + " passes, not " + targets[i]
                            + ", within " + timeout + " (" + answers.get() + " answers so far)");
                }
                Thread.sleep(20);
            }
        }
    }

    /** Answers received so far. */
    public long answers() {
        return answers.get();
    }

    /** Wrong answers and requests without one so far. */
    public long wrongCount() {
        return wrongCount.get();
    }

    /** The first of them, each as {@code port /page: status body} or why there was no answer. */
    public List<String> wrong() {
        return List.copyOf(wrong);
    }

    /** Stops every client and waits for it (a request in flight is answered first, or times out). */
    @Override
    public void close() throws InterruptedException {
        stopping = true;
        for (Thread client : clients) {
            client.join(Duration.ofSeconds(90).toMillis());
        }
    }
}
