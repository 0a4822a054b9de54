package dev.opcached.protocol.segment;

import static dev.opcached.protocol.segment.HeaderLayout.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * A full walk of the current generation that checks every entry completely, checksum included
 * (§15.3 step 3): the recount a recovery makes and the check {@link SegmentReader#verify()} makes.
 * It only reads; a recovery is told which slots point at damaged entries and repairs them itself.
 */
final class SegmentScan {
    private final BytesStore<?, ?> bytes;
    private final SegmentGeometry geometry;
    private final long segmentId;

    SegmentScan(SegmentFile file) {
        this.bytes = file.bytes();
        this.geometry = file.geometry();
        this.segmentId = file.segmentId();
    }

    /** What is wrong with the header's identity and geometry compared with the attached copy, or null. */
    String headerDamage() {
        if (!identityIntact(bytes)) {
            return "bad magic or version";
        }
        if ((int) generation(bytes) == 0) {
            return "generation with zero low bits, which no restart makes";
        }
        if (!geometry.matches(bytes)) {
            return "header geometry differs from the one attached";
        }
        if (bytes.readLong(SEGMENT_ID_OFFSET) != segmentId) {
            return "segment id differs from the one attached";
        }
        return null;
    }

    /** Whether an arena top is one a writer could have left. */
    boolean topPlausible(long top) {
        return top >= 0 && top <= geometry.arenaLength() && (top & 7) == 0;
    }

    /**
     * Walks the index of {@code generation}, verifying every entry; each slot that points at a
     * damaged entry is passed to {@code damagedSlot}.
     */
    SegmentVerification scan(long generation, long top, LongConsumer damagedSlot) {
        List<String> problems = new ArrayList<>();
        int keys = 0;
        int scripts = 0;
        long live = 0;
        for (int i = 0; i < geometry.slotCount(); i++) {
            long slot = SlotLayout.slotAt(i);
            long ref = SlotLayout.refVolatile(bytes, slot);
            if (!SlotLayout.isGeneration(ref, generation) || SlotLayout.isTombstone(ref)) {
                continue; // free: empty, or released by an abandoned compile
            }
            keys++;
            int offset = SlotLayout.entryOffset(ref);
            if (offset == 0) {
                continue;
            }
            long length = verifyEntry(offset, generation, SlotLayout.keyHash(bytes, slot), top);
            if (length > 0) {
                scripts++;
                live += length;
            } else {
                problems.add("slot " + i + " points at a damaged entry at offset " + offset);
                damagedSlot.accept(slot);
            }
        }
        return new SegmentVerification(keys, scripts, live, top, problems);
    }

    /**
     * Checks an entry completely, checksum included.
     *
     * @return its length, or -1 when it is not a whole entry of this generation and key hash
     */
    private long verifyEntry(int offset, long generation, long keyHash, long top) {
        if (!geometry.entryHeaderInArena(offset)
                || EntryLayout.magic(bytes, offset) != EntryLayout.MAGIC_VALUE
                || EntryLayout.generation(bytes, offset) != generation
                || EntryLayout.keyHash(bytes, offset) != keyHash) {
            return -1;
        }
        int length = EntryLayout.length(bytes, offset);
        int keyLength = EntryLayout.keyLength(bytes, offset);
        int payloadLength = EntryLayout.payloadLength(bytes, offset);
        if (keyLength < 1 || keyLength > SegmentKey.MAX_LENGTH || payloadLength < 0
                || length != EntryLayout.entryLength(keyLength, payloadLength)
                || offset + (long) length > geometry.arenaOffset() + top) {
            return -1;
        }
        long end = offset + (long) EntryLayout.HEADER_LENGTH + keyLength + payloadLength;
        if (EntryLayout.computeChecksum(bytes, offset, end, new byte[0]) != EntryLayout.checksum(bytes, offset)) {
            return -1;
        }
        return length;
    }

    /** The key of a verified-looking entry, or null. */
    String entryKey(int offset) {
        if (!geometry.entryHeaderInArena(offset)) {
            return null;
        }
        int keyLength = EntryLayout.keyLength(bytes, offset);
        if (keyLength < 1 || keyLength > SegmentKey.MAX_LENGTH
                || offset + (long) EntryLayout.HEADER_LENGTH + keyLength > geometry.segmentLength()) {
            return null;
        }
        byte[] key = new byte[keyLength];
        bytes.read(offset + EntryLayout.HEADER_LENGTH, key, 0, keyLength);
        return new String(key, StandardCharsets.UTF_8);
    }

    /** §15.3 and the invariants of §21, read without the lock; see {@link SegmentReader#verify()}. */
    SegmentVerification verify() {
        List<String> problems = new ArrayList<>();
        long generation = generationVolatile(bytes);
        long top = bytes.readVolatileLong(ARENA_TOP_OFFSET);
        String damage = headerDamage();
        if (damage != null) {
            problems.add(damage);
        }
        if (!topPlausible(top)) {
            problems.add("arena top " + top + " out of range 0.." + geometry.arenaLength());
            return new SegmentVerification(0, 0, 0, top, problems);
        }
        SegmentVerification scan = scan(generation, top, slot -> {
        });
        problems.addAll(scan.problems());
        if (bytes.readVolatileLong(DIRTY_OFFSET) == 0) {
            if (scan.keys() != usedKeys(bytes)) {
                problems.add("used keys " + usedKeys(bytes) + " but " + scan.keys() + " slots claimed");
            }
            if (scan.scripts() != cachedScripts(bytes)) {
                problems.add("cached scripts " + cachedScripts(bytes) + " but " + scan.scripts() + " entries");
            }
            if (top - scan.liveBytes() != wastedBytes(bytes)) {
                problems.add("wasted " + wastedBytes(bytes) + " but top - live = " + (top - scan.liveBytes()));
            }
        }
        return new SegmentVerification(scan.keys(), scan.scripts(), scan.liveBytes(), top, problems);
    }
}
