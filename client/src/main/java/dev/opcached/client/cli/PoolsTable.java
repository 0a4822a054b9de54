package dev.opcached.client.cli;

import dev.opcached.protocol.admin.StatusResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code opcachectl --all status}: the {@link FleetTable} of the pools with the figures
 * {@code status} leads with; in a watch, the rates since the previous refresh too.
 */
final class PoolsTable {
    private static final String NONE = FleetTable.NONE;

    private PoolsTable() {
    }

    /** The table; with {@code rates}, the requests per second and the hit rate over the interval. */
    static String of(List<PoolStatus> pools, boolean rates) {
        FleetTable table = new FleetTable(figureColumns(rates));
        for (PoolStatus pool : pools) {
            if (pool.status() == null) {
                table.failed(pool.target(), pool.exitCode(), pool.error());
            } else {
                table.answered(pool.target(), figures(pool, rates), Opcachectl.OK, null);
            }
        }
        return table.render();
    }

    private static List<String> figureColumns(boolean rates) {
        List<String> columns = new ArrayList<>(List.of("USED", "FREE", "WASTED", "HIT RATE"));
        if (rates) {
            columns.addAll(List.of("REQ/S", "INTERVAL HIT RATE"));
        }
        columns.addAll(List.of("SCRIPTS", "KEYS", "HITS", "MISSES", "WORKERS", "RESTARTS", "COMPILES"));
        return columns;
    }

    private static List<String> figures(PoolStatus pool, boolean rates) {
        List<String> cells = new ArrayList<>();
        StatusResponse status = pool.status();
        StatusResponse.MemoryUsage memory = status.memoryUsage();
        StatusResponse.OpcacheStatistics stats = status.opcacheStatistics();
        cells.add(Formats.size(memory.usedMemory()));
        cells.add(Formats.size(memory.freeMemory()));
        cells.add(Formats.size(memory.wastedMemory()));
        cells.add(Formats.percent(stats.opcacheHitRate()));
        if (rates) {
            cells.add(Formats.requestsPerSecond(pool.rates()));
            cells.add(Formats.intervalHitRate(pool.rates()));
        }
        cells.add(Formats.figure(stats.numCachedScripts()));
        cells.add(Formats.figure(stats.numCachedKeys()));
        cells.add(Formats.figure(stats.hits()));
        cells.add(Formats.figure(stats.misses()));
        cells.add(workers(status));
        cells.add(Formats.figure(restarts(stats)));
        cells.add(Formats.figure(status.compiles()));
        return cells;
    }

    /** Workers with a process, of all the pool's worker slots. */
    private static String workers(StatusResponse status) {
        if (status.workers() == null) {
            return NONE;
        }
        long alive = status.workers().stream().filter(worker -> worker.pid() > 0).count();
        return String.format(Locale.ROOT, "%d/%d", alive, status.workers().size());
    }

    /** The cache restarts for every reason; unknown when one of them is. */
    private static Long restarts(StatusResponse.OpcacheStatistics stats) {
        Long[] byReason = {stats.oomRestarts(), stats.hashRestarts(), stats.manualRestarts(), stats.corruptionRestarts(),
                stats.segmentLostRestarts()};
        long total = 0;
        for (Long count : byReason) {
            if (count == null) {
                return null;
            }
            total += count;
        }
        return total;
    }
}
