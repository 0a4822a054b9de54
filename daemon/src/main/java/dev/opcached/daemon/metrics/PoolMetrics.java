package dev.opcached.daemon.metrics;

import dev.opcached.protocol.config.Defaults;
import dev.opcached.protocol.segment.Segment;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * The pool's Prometheus metrics, served by the admin endpoint's {@code GET /metrics}: the
 * segment's figures and the processes' read at each scrape, and the admin endpoint's own counters,
 * every one with a {@code pool} label. Written in the format the scraper asks for (Accept): the
 * Prometheus text format, or OpenMetrics.
 */
public final class PoolMetrics {
    /** A scrape's answer. */
    public record Scrape(String contentType, byte[] body) {
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final Counter adminRequests;
    private final Counter authenticationFailures;
    private final String pool;
    private final PoolProcesses processes;

    public PoolMetrics(String pool, Supplier<Segment> segment, PoolProcesses processes) {
        this.pool = pool;
        this.processes = processes;
        registry.register(new SegmentMetrics(pool, segment, System::currentTimeMillis));
        registry.register(new ProcessMetrics(pool, processes));
        Labels poolLabel = Labels.of("pool", pool);
        adminRequests = Counter.builder().name("opcached_admin_requests")
                .help("Calls of the admin endpoint, by route and HTTP status").constLabels(poolLabel)
                .labelNames("route", "status").withoutExemplars().register(registry);
        authenticationFailures = Counter.builder().name("opcached_admin_authentication_failures")
                .help("Admin calls refused for a missing or wrong token").constLabels(poolLabel)
                .withoutExemplars().register(registry);
        io.prometheus.metrics.core.metrics.Info.builder().name("opcached_build_info")
                .help("The opcached version serving the pool").constLabels(poolLabel).labelNames("version")
                .register(registry).addLabelValues(Defaults.VERSION);
    }

    /** One answered admin call; {@code route} is one of the endpoint's own paths, never a caller's. */
    public void adminRequest(String route, int status) {
        adminRequests.labelValues(route, Integer.toString(status)).inc();
    }

    public void authenticationFailed() {
        authenticationFailures.inc();
    }

    /** Whether the running compiler last reported Redis answering ({@code opcached_redis_up} 1). */
    public boolean redisUp() {
        return processes.runningCompiler().counter("redis_up") == 1;
    }

    public String pool() {
        return pool;
    }

    /** Reads every figure now and writes them as {@code accept} asks (the text format by default). */
    public Scrape scrape(String accept) {
        ExpositionFormatWriter writer = formats.findWriter(accept);
        if (!writer.isAvailable()) {
            writer = formats.getPrometheusTextFormatWriter(); // protobuf needs a module we leave out
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return new Scrape(writer.getContentType(), out.toByteArray());
    }
}
