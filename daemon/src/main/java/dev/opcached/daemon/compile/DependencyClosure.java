package dev.opcached.daemon.compile;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The transitive closure of a batch's dependency graph, one set per strongly connected component
 * (Tarjan's algorithm, without recursion): in a tree whose packages use each other in a ring every
 * file reaches every other, and computing each file's closure on its own would cost the square
 * of the tree's size in set operations.
 */
final class DependencyClosure {
    private DependencyClosure() {
    }

    /**
     * For every node of {@code nodes} (in path order), every node it reaches through
     * {@code edges}, itself excluded, in path order. Edges to paths outside {@code nodes} are
     * ignored.
     */
    static Map<Path, List<Path>> of(List<Path> nodes, Map<Path, List<Path>> edges) {
        int n = nodes.size();
        Map<Path, Integer> number = new HashMap<>();
        for (int i = 0; i < n; i++) {
            number.put(nodes.get(i), i);
        }
        int[][] successors = new int[n][];
        for (int i = 0; i < n; i++) {
            successors[i] = edges.getOrDefault(nodes.get(i), List.of()).stream()
                    .map(number::get).filter(w -> w != null).mapToInt(Integer::intValue).toArray();
        }
        int[] index = new int[n];
        int[] low = new int[n];
        int[] component = new int[n];
        int[] nextEdge = new int[n];
        boolean[] onStack = new boolean[n];
        int[] stack = new int[n];
        int[] calls = new int[n];
        Arrays.fill(index, -1);
        Arrays.fill(component, -1);
        List<BitSet> reach = new ArrayList<>();
        int counter = 0;
        int stackSize = 0;
        for (int start = 0; start < n; start++) {
            if (index[start] >= 0) {
                continue;
            }
            int callSize = 0;
            index[start] = low[start] = counter++;
            stack[stackSize++] = start;
            onStack[start] = true;
            calls[callSize++] = start;
            while (callSize > 0) {
                int v = calls[callSize - 1];
                if (nextEdge[v] < successors[v].length) {
                    int w = successors[v][nextEdge[v]++];
                    if (index[w] < 0) {
                        index[w] = low[w] = counter++;
                        stack[stackSize++] = w;
                        onStack[w] = true;
                        calls[callSize++] = w;
                    } else if (onStack[w]) {
                        low[v] = Math.min(low[v], index[w]);
                    }
                    continue;
                }
                callSize--;
                if (callSize > 0) {
                    int caller = calls[callSize - 1];
                    low[caller] = Math.min(low[caller], low[v]);
                }
                if (low[v] == index[v]) {
                    // A whole component: everything it reaches outside is in components already done.
                    int id = reach.size();
                    BitSet reached = new BitSet(n);
                    List<Integer> members = new ArrayList<>();
                    int w;
                    do {
                        w = stack[--stackSize];
                        onStack[w] = false;
                        component[w] = id;
                        reached.set(w);
                        members.add(w);
                    } while (w != v);
                    for (int member : members) {
                        for (int successor : successors[member]) {
                            if (component[successor] != id) {
                                reached.or(reach.get(component[successor]));
                            }
                        }
                    }
                    reach.add(reached);
                }
            }
        }
        Map<Path, List<Path>> closures = new HashMap<>();
        for (int v = 0; v < n; v++) {
            BitSet reached = reach.get(component[v]);
            List<Path> closure = new ArrayList<>(reached.cardinality());
            for (int w = reached.nextSetBit(0); w >= 0; w = reached.nextSetBit(w + 1)) {
                if (w != v) {
                    closure.add(nodes.get(w));
                }
            }
            closures.put(nodes.get(v), closure);
        }
        return closures;
    }
}
