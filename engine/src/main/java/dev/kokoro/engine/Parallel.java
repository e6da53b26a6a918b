package dev.kokoro.engine;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/** Splits index ranges over all cores (the common ForkJoin pool); small work runs inline. */
public final class Parallel {
    private Parallel() {}

    @FunctionalInterface
    public interface Range {
        void run(int lo, int hi);
    }

    /**
     * Threads that compute: the common pool's workers plus the calling thread. Set it with
     * {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism=N-1}; 0 there means one thread
     * (the pool itself still reports a parallelism of 1 then, so the property is read too).
     */
    public static int threads() {
        return SINGLE ? 1 : ForkJoinPool.getCommonPoolParallelism() + 1;
    }

    private static final boolean SINGLE = "0".equals(System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism"));

    /**
     * Runs {@code body} over [0, n) in chunks; {@code costPerItem} (rough flops) decides whether
     * splitting pays off at all.
     */
    public static void forRange(int n, long costPerItem, Range body) {
        if (n <= 0) return;
        long total = (long) n * Math.max(1, costPerItem);
        int threads = threads();
        if (threads == 1 || total < 32_768 || n == 1 || ForkJoinPool.getCommonPoolParallelism() < 1) {
            body.run(0, n);
            return;
        }
        int chunks = (int) Math.min(n, Math.min(threads * 4L, Math.max(1, total / 16_384)));
        int step = (n + chunks - 1) / chunks;
        new Split(body, 0, n, step).invoke();
    }

    /**
     * As {@link #forRange(int, long, Range)} but every index may become its own task (work stealing then
     * balances unequal or coarse items, such as a convolution's column blocks, down to one item).
     */
    public static void forEachItem(int n, long costPerItem, Range body) {
        if (n <= 0) return;
        if (threads() == 1 || (long) n * Math.max(1, costPerItem) < 32_768 || n == 1 || ForkJoinPool.getCommonPoolParallelism() < 1) {
            body.run(0, n);
            return;
        }
        new Split(body, 0, n, 1).invoke();
    }

    public static void forRange(int n, Range body) {
        forRange(n, 1 << 15, body);
    }

    private static final class Split extends RecursiveAction {
        final Range body;
        final int lo, hi, step;

        Split(Range body, int lo, int hi, int step) {
            this.body = body;
            this.lo = lo;
            this.hi = hi;
            this.step = step;
        }

        @Override
        protected void compute() {
            if (hi - lo <= step) {
                body.run(lo, hi);
                return;
            }
            int mid = lo + ((hi - lo) / step / 2) * step;
            if (mid <= lo) mid = lo + step;
            invokeAll(new Split(body, lo, mid, step), new Split(body, mid, hi, step));
        }
    }
}
