package dev.opcached.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.opcached.protocol.segment.ActivityLayout;
import dev.opcached.protocol.segment.HeaderLayout;
import dev.opcached.protocol.segment.Segment;
import dev.opcached.protocol.segment.SegmentConfig;
import dev.opcached.protocol.segment.SegmentFiles;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code opcachectl status} as people read it: figures a damaged segment header cannot hold are
 * "unknown" (JSON null), never -1 % or a time in 1969; the lost-segment restarts and the workers'
 * states, ages and memory are shown.
 */
class OpcachectlStatusOutputTest {
    @TempDir
    Path dir;

    @Test
    void figuresFromADamagedHeaderAreUnknownInTheSummaryAndNullInTheJson() throws Exception {
        Path file = dir.resolve("damaged.seg");
        try (Segment segment = Segment.create(file, new SegmentConfig(4 << 20, 100, 5));
             FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE);
             FileChannel activity = FileChannel.open(SegmentFiles.activityPath(file), StandardOpenOption.WRITE)) {
            // What the hostile test saw: a hit rate of -130.80 % and a start time in the year 64,570,773.
            writeLong(activity, ActivityLayout.STRIPES_OFFSET + ActivityLayout.STRIPE_HITS, -1_000_000);
            writeLong(channel, HeaderLayout.START_TIME_MILLIS_OFFSET, 2_037_644_190_000_000_000L);
            writeLong(channel, HeaderLayout.LAST_RESTART_MILLIS_OFFSET, -5);
            writeLong(channel, HeaderLayout.HEARTBEAT_MILLIS_OFFSET, -7);

            CliRun human = CliRun.of("status", "--segment", file.toString());
            assertThat(human.exitCode()).as(human.err()).isZero();
            assertThat(human.out()).containsPattern("(?m)^Hits +unknown$").containsPattern("(?m)^Misses +0$")
                    .containsPattern("(?m)^Hit rate +unknown$").containsPattern("(?m)^Started +unknown$")
                    .containsPattern("(?m)^Uptime +unknown$").containsPattern("(?m)^Last restart +unknown$")
                    .doesNotContain("-1 %").doesNotContain("-1000000").doesNotContain("1969").doesNotContain("1970");

            CliRun json = CliRun.of("status", "--segment", file.toString(), "--json");
            assertThat(json.exitCode()).as(json.err()).isZero();
            JsonNode status = new ObjectMapper().readTree(json.out());
            for (String unknown : new String[] {"/opcache_statistics/hits", "/opcache_statistics/opcache_hit_rate",
                    "/opcache_statistics/blacklist_miss_ratio", "/opcache_statistics/start_time",
                    "/opcache_statistics/last_restart_time", "/segment/heartbeat"}) {
                assertThat(status.at(unknown).isNull()).as(unknown + " is null: " + status.at(unknown)).isTrue();
            }
            assertThat(status.at("/opcache_statistics/misses").asLong(-1)).isZero();
            assertThat(status.at("/opcache_statistics/segment_lost_restarts").asLong(-1)).isZero();
        }
    }

    @Test
    void aPoolAfterALostSegmentShowsItsRestartsAndEachWorkersState() throws Exception {
        // An opcached answer as admin-api.md shows it, after a lost segment, one figure unknown.
        String answer = """
                {"opcache_enabled":true,"cache_full":false,"restart_pending":false,"restart_in_progress":false,
                 "memory_usage":{"used_memory":4722688,"free_memory":129494016,"wasted_memory":1312,
                                 "current_wasted_percentage":0.00098},
                 "opcache_statistics":{"num_cached_scripts":4,"num_cached_keys":4,"max_cached_keys":10000,
                                       "hits":null,"start_time":1795314000,"last_restart_time":1795316000,
                                       "last_restart_reason":"segment_lost","oom_restarts":0,"hash_restarts":0,
                                       "manual_restarts":1,"corruption_restarts":0,"segment_lost_restarts":2,
                                       "recoveries":0,"misses":4,"blacklist_misses":0,"blacklist_miss_ratio":null,
                                       "opcache_hit_rate":null},
                 "workers":[{"name":"worker-1","pid":4250,"started":1795314001,"restarts":1,"state":"serving",
                             "last_heartbeat":1795316003},
                            {"name":"worker-2","pid":4251,"started":1795316001,"restarts":0,"state":"starting",
                             "last_heartbeat":0}],
                 "compiles":4,
                 "segment":{"path":"/dev/shm/opcached/www.4242.9f3c2a1b0d4e5f60.seg","size":134217728,
                            "generation":1,"creator_pid":4242,"heartbeat":1795316003}}
                """;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/status", exchange -> {
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        try {
            Path token = Files.writeString(dir.resolve("token"), "x");
            CliRun run = CliRun.of("--url", "http://127.0.0.1:" + server.getAddress().getPort(), "--token-file",
                    token.toString(), "status");
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out())
                    .containsPattern("(?m)^Restarts +oom 0, hash 0, manual 1, corruption 0, segment lost 2$")
                    .containsPattern("(?m)^Last restart +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\(segment_lost\\)$")
                    .containsPattern("(?m)^Hits +unknown$").containsPattern("(?m)^Hit rate +unknown$")
                    .containsPattern("(?m)^Worker worker-1 +pid 4250, serving, restarts 1$")
                    .containsPattern("(?m)^Worker worker-2 +pid 4251, starting, restarts 0$");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void eachLiveWorkersAgeMemoryAndRequestsAreShownAndUnknownMemoryReadsUnknown() throws Exception {
        String answer = """
                {"opcache_enabled":true,"cache_full":false,"restart_pending":false,"restart_in_progress":false,
                 "memory_usage":{"used_memory":4722688,"free_memory":129494016,"wasted_memory":1312,
                                 "current_wasted_percentage":0.00098},
                 "opcache_statistics":{"num_cached_scripts":4,"num_cached_keys":4,"max_cached_keys":10000,
                                       "hits":10,"start_time":1795314000,"last_restart_time":0,
                                       "last_restart_reason":"none","oom_restarts":0,"hash_restarts":0,
                                       "manual_restarts":0,"corruption_restarts":0,"segment_lost_restarts":0,
                                       "recoveries":0,"misses":4,"blacklist_misses":0,"blacklist_miss_ratio":0.0,
                                       "opcache_hit_rate":71.4},
                 "workers":[{"name":"worker-1","pid":4250,"started":1795314001,"restarts":0,"state":"serving",
                             "last_heartbeat":1795316003,"age":3725,"rss":52428800,"pss":31457280,
                             "requests":1234567},
                            {"name":"worker-2","pid":4251,"started":1795316001,"restarts":0,"state":"serving",
                             "last_heartbeat":1795316003,"age":2,"rss":null,"pss":null},
                            {"name":"worker-3","pid":-1,"started":0,"restarts":1,"state":"starting",
                             "last_heartbeat":0,"age":null,"rss":null,"pss":null,"requests":null}],
                 "compiles":4,
                 "segment":{"path":"/dev/shm/opcached/www.4242.9f3c2a1b0d4e5f60.seg","size":134217728,
                            "generation":1,"creator_pid":4242,"heartbeat":1795316003}}
                """;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/status", exchange -> {
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        try {
            Path token = Files.writeString(dir.resolve("token"), "x");
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            CliRun run = CliRun.of("--url", url, "--token-file", token.toString(), "status");
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out())
                    .containsPattern("(?m)^Worker worker-1 +pid 4250, serving, restarts 0, age 1h 2m 5s, RSS 50.0 MiB,"
                            + " PSS 30.0 MiB, requests 1234567$")
                    .containsPattern("(?m)^Worker worker-2 +pid 4251, serving, restarts 0, age 0h 0m 2s, RSS unknown,"
                            + " PSS unknown$")
                    .containsPattern("(?m)^Worker worker-3 +no process, starting, restarts 1$");

            CliRun json = CliRun.of("--url", url, "--token-file", token.toString(), "status", "--json");
            assertThat(json.exitCode()).as(json.err()).isZero();
            JsonNode workers = new ObjectMapper().readTree(json.out()).get("workers");
            assertThat(workers.get(0).get("age").asLong()).isEqualTo(3725);
            assertThat(workers.get(0).get("rss").asLong()).isEqualTo(52428800);
            assertThat(workers.get(0).get("pss").asLong()).isEqualTo(31457280);
            assertThat(workers.get(1).get("pss").isNull()).isTrue();
            assertThat(workers.get(2).get("age").isNull()).isTrue();
        } finally {
            server.stop(0);
        }
    }

    private static void writeLong(FileChannel channel, long offset, long value) throws Exception {
        channel.write(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value), offset);
    }
}
