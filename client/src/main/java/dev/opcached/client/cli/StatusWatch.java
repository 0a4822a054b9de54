package dev.opcached.client.cli;

import dev.opcached.client.OpcachedClient;
import dev.opcached.protocol.admin.StatusResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * {@code opcachectl status --watch}: asks every addressed pool for its status once per interval
 * (measured from the start of one refresh to the next, so a slow refresh is followed by the next
 * at once, never by a burst), works out each pool's rates since its previous answer, and shows
 * the refresh on a {@link WatchScreen}. A pool that fails is shown failing and asked again at the
 * next refresh; its rates, once it answers again, are over the time since its last answer. The
 * watch ends after {@code count} refreshes, or when it is stopped ({@link WatchStop}).
 */
final class StatusWatch {
    /** A pool's status and the monotonic time it arrived, for the rates. */
    record Timed(OpcachedClient.Reply<StatusResponse> reply, long nanos) {
    }

    /** One refresh's calls: every addressed pool, answered or failed, in the order of the pools file. */
    @FunctionalInterface
    interface Calls {
        List<Opcachectl.PoolAnswer<Timed>> call();
    }

    /** What a refresh shows. */
    @FunctionalInterface
    interface View {
        /** @param epochMillis the time of the refresh */
        String render(List<PoolStatus> pools, long epochMillis);
    }

    private final Calls calls;
    private final View view;
    private final WatchScreen screen;
    private final String what;
    private final Duration interval;
    private final long count;
    private final WatchStop stop;
    private final LongSupplier nanoTime;
    private final LongSupplier epochMillis;
    private final Map<Target, StatusRates.Counters> previous = new HashMap<>();

    /**
     * @param what     the refreshes' header, before their time
     * @param count    how many refreshes before the watch ends by itself; 0 for no end but a stop
     * @param nanoTime the monotonic clock that paces refreshes and that {@code calls} time answers by
     */
    StatusWatch(Calls calls, View view, WatchScreen screen, String what, Duration interval, long count, WatchStop stop,
                LongSupplier nanoTime, LongSupplier epochMillis) {
        this.calls = calls;
        this.view = view;
        this.screen = screen;
        this.what = what;
        this.interval = interval;
        this.count = count;
        this.stop = stop;
        this.nanoTime = nanoTime;
        this.epochMillis = epochMillis;
    }

    /**
     * Watches until the count or a stop; returns {@link Opcachectl#OK} after a stop, else the worst
     * exit code of the last refresh.
     */
    int run() {
        stop.begin(Thread.currentThread());
        try {
            for (long refresh = 1; ; refresh++) {
                long started = nanoTime.getAsLong();
                List<Opcachectl.PoolAnswer<Timed>> answers = calls.call();
                if (stop.requested()) {
                    return Opcachectl.OK; // the calls were cut short: nothing of theirs is shown
                }
                List<PoolStatus> pools = rated(answers);
                long now = epochMillis.getAsLong();
                screen.show(what + ": " + Formats.time(now / 1000), view.render(pools, now));
                if (count > 0 && refresh >= count) {
                    return pools.stream().mapToInt(PoolStatus::exitCode).max().orElse(Opcachectl.OK);
                }
                Duration wait = interval.minusNanos(nanoTime.getAsLong() - started);
                if (stop.await(wait.isNegative() ? Duration.ZERO : wait)) {
                    return Opcachectl.OK;
                }
            }
        } finally {
            stop.end();
        }
    }

    private List<PoolStatus> rated(List<Opcachectl.PoolAnswer<Timed>> answers) {
        List<PoolStatus> pools = new ArrayList<>();
        for (Opcachectl.PoolAnswer<Timed> answer : answers) {
            Target target = answer.target();
            Timed timed = answer.value();
            if (timed == null) {
                pools.add(PoolStatus.failed(answer));
                continue;
            }
            StatusResponse.OpcacheStatistics stats = timed.reply().value().opcacheStatistics();
            StatusRates.Counters counters = new StatusRates.Counters(timed.nanos(), stats.hits(), stats.misses());
            StatusRates rates = StatusRates.between(previous.put(target, counters), counters);
            pools.add(PoolStatus.answered(target, timed.reply(), rates));
        }
        return pools;
    }
}
