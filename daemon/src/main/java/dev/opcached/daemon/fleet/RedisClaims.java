package dev.opcached.daemon.fleet;

import dev.opcached.daemon.compile.FleetClaims;
import dev.opcached.protocol.unit.Sha256;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * The fleet's compile claims in Redis, one key per source key ({@link RedisKeys#claim}), whose
 * value names this process: its host, pid and a random part, so that what names it is never
 * another's. A claim is {@code SET key token NX GET PX millis}: answered nothing, it is ours;
 * answered our own token (a claim of ours whose release has not landed yet), ours again;
 * anything else, another's. It is released by a compare-and-delete (a script that deletes the key
 * only while it still holds our token), so that a claim of ours that expired and was taken by
 * another host is never deleted by us.
 */
final class RedisClaims implements FleetClaims {
    /** Deletes KEYS[1] only while it holds ARGV[1]. */
    static final String COMPARE_AND_DELETE =
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    private final RedisKeys keys;
    private final RedisCalls calls;
    /** What a claim of this process holds: who claimed, for an operator who looks, and ours alone. */
    private final byte[] token;
    private final LongAdder waits = new LongAdder();
    private final LongAdder saved = new LongAdder();

    RedisClaims(RedisKeys keys, RedisCalls calls) {
        this.keys = keys;
        this.calls = calls;
        byte[] random = new byte[8];
        new SecureRandom().nextBytes(random);
        this.token = (hostName() + " " + ProcessHandle.current().pid() + " " + HexFormat.of().formatHex(random))
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }

    @Override
    public boolean up() {
        return calls.commands() != null;
    }

    @Override
    public Map<Sha256, Claim> claim(Collection<Sha256> sourceKeys, long millis) {
        Map<Sha256, Claim> claims = new LinkedHashMap<>();
        RedisAsyncCommands<byte[], byte[]> commands = calls.commands();
        List<Sha256> asked = List.copyOf(sourceKeys);
        if (commands == null) {
            asked.forEach(key -> claims.put(key, Claim.UNKNOWN));
            return claims;
        }
        List<RedisFuture<byte[]>> sent = new ArrayList<>(asked.size());
        SetArgs claiming = SetArgs.Builder.nx().px(millis);
        for (Sha256 key : asked) {
            sent.add(commands.setGet(keys.claim(key), token, claiming));
        }
        List<RedisCalls.Answer<byte[]>> answers = calls.awaitAll(sent, "claims");
        for (int i = 0; i < asked.size(); i++) {
            RedisCalls.Answer<byte[]> answer = answers.get(i);
            Claim claim;
            if (answer == null) {
                claim = Claim.UNKNOWN;
            } else if (answer.value() == null || Arrays.equals(answer.value(), token)) {
                claim = Claim.OWNED;
            } else {
                waits.increment();
                claim = Claim.HELD;
            }
            claims.put(asked.get(i), claim);
        }
        return claims;
    }

    @Override
    public Set<Sha256> held(Collection<Sha256> sourceKeys) {
        Set<Sha256> held = new LinkedHashSet<>();
        RedisAsyncCommands<byte[], byte[]> commands = calls.commands();
        if (commands == null) {
            return held;
        }
        List<Sha256> asked = List.copyOf(sourceKeys);
        List<RedisFuture<Long>> sent = new ArrayList<>(asked.size());
        for (Sha256 key : asked) {
            sent.add(commands.exists(keys.claim(key)));
        }
        List<RedisCalls.Answer<Long>> answers = calls.awaitAll(sent, "claim checks");
        for (int i = 0; i < asked.size(); i++) {
            RedisCalls.Answer<Long> answer = answers.get(i);
            if (answer != null && answer.value() != null && answer.value() > 0) {
                held.add(asked.get(i));
            }
        }
        return held;
    }

    @Override
    public void release(Sha256 sourceKey) {
        RedisAsyncCommands<byte[], byte[]> commands = calls.commands();
        if (commands != null) {
            // Not waited for: a claim left behind only expires.
            calls.whenDone(commands.<Long>eval(COMPARE_AND_DELETE, ScriptOutputType.INTEGER,
                    new byte[][] {keys.claim(sourceKey)}, token), () -> { }, failure -> { });
        }
    }

    @Override
    public void saved() {
        saved.increment();
    }

    /** {@code redis_claim_waits} (claims found another's) and {@code redis_compiles_saved}. */
    void addFigures(Map<String, Long> counters) {
        counters.put("redis_claim_waits", waits.sum());
        counters.put("redis_compiles_saved", saved.sum());
    }
}
