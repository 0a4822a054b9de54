import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;

/**
 * The cost of one stat from Java, as opcached pays it on a revalidation: run with
 * {@code java StatCost.java FILE...}. Prints "java <op> <path> <median ns/op>" lines: the median of
 * 7 rounds of 100 000 calls each, after 3 warm-up rounds (so the JIT has compiled the loop).
 */
public class StatCost {
    static long sink;

    public static void main(String[] args) throws Exception {
        for (String a : args) {
            Path p = Path.of(a);
            System.out.printf("java getLastModifiedTime %s %.1f%n", a, measure(() -> {
                FileTime t = Files.getLastModifiedTime(p);
                sink += t.toMillis();
            }));
            System.out.printf("java readAttributes %s %.1f%n", a, measure(() -> {
                BasicFileAttributes b = Files.readAttributes(p, BasicFileAttributes.class);
                sink += b.size() + b.lastModifiedTime().toMillis();
            }));
            System.out.printf("java readAttributes_nofollow %s %.1f%n", a, measure(() -> {
                BasicFileAttributes b = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                sink += b.size();
            }));
        }
        if (sink == 42) {
            System.out.println();
        }
    }

    interface Op {
        void run() throws Exception;
    }

    static double measure(Op op) throws Exception {
        int n = 100_000;
        double[] rounds = new double[7];
        for (int r = -3; r < rounds.length; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                op.run();
            }
            long t1 = System.nanoTime();
            if (r >= 0) {
                rounds[r] = (t1 - t0) / (double) n;
            }
        }
        Arrays.sort(rounds);
        return rounds[rounds.length / 2];
    }
}
