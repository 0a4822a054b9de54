package dev.opcached.daemon.fleet;

import dev.opcached.protocol.common.LogText;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commands sent to the fleet's Redis and their answers waited for within
 * {@code opcached.redis_timeout}: the one place where the compile path waits on Redis. Commands
 * sent together (a closure's units, a batch's claims) are pipelined on the one connection and
 * waited for under one deadline, so that a lookup waits one bound, not one per command. What
 * does not answer in time is no answer (the caller counts a miss, or compiles); a timeout or a
 * lost connection is the link's to hear about, a refusal (an ACL without the command, OOM of a
 * full Redis) is logged once per kind of command until that kind succeeds again.
 */
final class RedisCalls {
    private static final Logger LOG = LoggerFactory.getLogger(RedisCalls.class);

    private final RedisLink link;
    private final long timeoutMillis;
    /** Per kind of command (reads, claims, ...): refused since it last succeeded, said once. */
    private final Map<String, AtomicBoolean> refusing = new ConcurrentHashMap<>();
    private final LongAdder errors = new LongAdder();
    private final LongAdder timeouts = new LongAdder();

    RedisCalls(RedisLink link, long timeoutMillis) {
        this.link = link;
        this.timeoutMillis = timeoutMillis;
    }

    /** A command's answer, which may be null (nothing under the key, a SET NX that did not set). */
    record Answer<T>(T value) {
    }

    /** The commands to send now, or null while the link is down: the caller counts a miss. */
    RedisAsyncCommands<byte[], byte[]> commands() {
        return link.commands();
    }

    /**
     * What each of {@code commands} (sent together) answered within one bound from now, in their
     * order; null for each that did not. A batch that times out is one timeout, as one command's.
     * {@code what} names the kind of command in the log line of a refusal (a full Redis refuses
     * claims, which write, and answers reads), said once until a whole batch of it succeeds.
     */
    <T> List<Answer<T>> awaitAll(List<RedisFuture<T>> commands, String what) {
        AtomicBoolean refused = refusing.computeIfAbsent(what, kind -> new AtomicBoolean());
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        List<Answer<T>> answers = new ArrayList<>(commands.size());
        boolean timedOut = false;
        boolean failed = false;
        for (RedisFuture<T> command : commands) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                answers.add(new Answer<>(command.get(left, TimeUnit.NANOSECONDS)));
            } catch (TimeoutException e) {
                answers.add(null);
                if (!timedOut) {
                    timedOut = true;
                    timeouts.increment();
                    link.failed(e);
                }
            } catch (ExecutionException e) {
                answers.add(null);
                failed = true;
                failed(e.getCause(), what, refused);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                while (answers.size() < commands.size()) {
                    answers.add(null);
                }
                return answers;
            }
        }
        if (!commands.isEmpty() && !timedOut && !failed) {
            link.answered();
            if (refused.compareAndSet(true, false)) {
                LOG.info("Redis answers {} again", what);
            }
        }
        return answers;
    }

    /**
     * For a command not waited for (a write, a release): when it completes, counts a failure and
     * tells the link of a lost connection (a refusal, such as a full Redis's OOM, leaves it up),
     * then tells {@code succeeded} or {@code failed}.
     */
    void whenDone(RedisFuture<?> command, Runnable succeeded, Consumer<Throwable> failed) {
        command.whenComplete((value, failure) -> {
            if (failure == null) {
                succeeded.run(); // not a sign the link is fine: nobody waited, and it may have come late
                return;
            }
            errors.increment();
            if (!(failure instanceof RedisCommandExecutionException)) {
                link.failed(failure);
            }
            failed.accept(failure);
        });
    }

    private void failed(Throwable cause, String what, AtomicBoolean refused) {
        errors.increment();
        if (cause instanceof RedisCommandExecutionException refusal) {
            // Redis answered, refusing (an ACL without the command, OOM of a full Redis): up, but of no use; said once.
            if (refused.compareAndSet(false, true)) {
                LOG.warn("Redis refuses {} ({}); each is a miss (a compile) until they succeed again", what,
                        LogText.escape(String.valueOf(refusal.getMessage())));
            }
        } else {
            link.failed(cause);
        }
    }

    /** Commands that failed (refused, connection lost) or could not be sent (too many pending). */
    long errors() {
        return errors.sum();
    }

    /** Waits that ran out of time (a batch counts once). */
    long timeouts() {
        return timeouts.sum();
    }

    /** Counts a command that was not sent (too many writes pending). */
    void notSent() {
        errors.increment();
    }

    /** The link's state changes so far (a rejection is logged once per state). */
    long stateChanges() {
        return link.stateChanges();
    }
}
