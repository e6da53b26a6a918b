package dev.kokoro.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * General matrix product on row-major arrays: {@code C (+)= op(A) · op(B)} with op = identity or
 * transpose, {@code op(A)} m×k, {@code op(B)} k×n. The float32 path is the hot one.
 *
 * <p>float32, the usual case: per block of k, op(A) is packed into panels of {@link #MR} rows and op(B)
 * into panels of {@link #NR} columns (both k-major, zero-padded at the edges, transposes resolved while
 * packing), then a register-blocked micro-kernel keeps an MR×NR block of C in 12 vector registers while
 * it streams both panels. Tiles of C are spread over the cores. Few rows (m < MR, the LSTM's
 * per-step product) take a packing-free path of dot products or axpys.
 */
public final class Gemm {
    private Gemm() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    /** Rows and columns of the micro-kernel's block of C: 6 rows × 2 vectors. */
    static final int MR = 6, NR = 2 * V;
    /** k block: an NR-panel slice of it (KC·NR floats) stays in L1/L2 while every A panel streams by. */
    private static final int KC = 384;
    /** Columns packed at once (bounds the packed-B buffer for long convolutions). */
    private static final int NC = 4096;
    /** Tile of C one task owns, in panels. */
    private static final int TILE_M_PANELS = 16, TILE_N_PANELS = 4;

    public static void f32(boolean ta, boolean tb, int m, int n, int k,
                           float[] a, int ao, int lda, float[] b, int bo, int ldb,
                           float[] c, int co, int ldc, boolean accumulate) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0) {
            if (!accumulate) for (int i = 0; i < m; i++) java.util.Arrays.fill(c, co + i * ldc, co + i * ldc + n, 0f);
            return;
        }
        if (m < MR || (long) m * n * k < 16_384) {
            small(ta, tb, m, n, k, a, ao, lda, b, bo, ldb, c, co, ldc, accumulate);
            return;
        }
        if (tb && !ta && dotPath && m <= 256 && k >= 256) {
            dots(m, n, k, a, ao, lda, b, bo, ldb, c, co, ldc, accumulate);
            return;
        }
        blocked(ta, tb, m, n, k, a, ao, lda, b, bo, ldb, null, c, co, ldc, accumulate);
    }

    /** Tests and benchmarks switch {@link #dots} off. */
    static boolean dotPath = true;

    /**
     * {@code C (+)= A · Bᵀ} for few rows of A (nn.Linear on a sequence: B is the weight, [n, k] row-major):
     * blocks of 2 rows of A × 4 rows of B as 8 vector dot products over k, both read in place, so the
     * weight streams once with no packing (packing it transposed cost as much as the product here).
     * Parallel over blocks of B's rows.
     */
    private static void dots(int m, int n, int k, float[] a, int ao, int lda, float[] b, int bo, int ldb,
                             float[] c, int co, int ldc, boolean accumulate) {
        int jBlocks = ceil(n, 4);
        Parallel.forRange(jBlocks, 2L * m * 4 * k, (lo, hi) -> {
            float[] r = new float[8];
            for (int jb = lo; jb < hi; jb++) {
                int j0 = jb * 4, nj = Math.min(4, n - j0);
                for (int i0 = 0; i0 < m; i0 += 2) {
                    int ni = Math.min(2, m - i0);
                    dot2x4(k, a, ao + i0 * lda, ni > 1 ? lda : 0, b, bo + j0 * ldb, ldb, nj, r);
                    for (int i = 0; i < ni; i++)
                        for (int j = 0; j < nj; j++) {
                            int ci = co + (i0 + i) * ldc + j0 + j;
                            c[ci] = accumulate ? c[ci] + r[i * 4 + j] : r[i * 4 + j];
                        }
                }
            }
        });
    }

    /** r[i·4 + j] = Σ_p A[i][p]·B[j][p] for 2 rows of A (second at a0 + lda2; lda2 0 repeats the first) and nj ≤ 4 rows of B. */
    private static void dot2x4(int k, float[] a, int a0, int lda2, float[] b, int b0, int ldb, int nj, float[] r) {
        int b1 = b0 + (nj > 1 ? ldb : 0), b2 = b0 + (nj > 2 ? 2 * ldb : 0), b3 = b0 + (nj > 3 ? 3 * ldb : 0), a1 = a0 + lda2;
        FloatVector z = FloatVector.zero(S);
        FloatVector s00 = z, s01 = z, s02 = z, s03 = z, s10 = z, s11 = z, s12 = z, s13 = z;
        int up = k - k % V;
        for (int p = 0; p < up; p += V) {
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + p), x1 = FloatVector.fromArray(S, a, a1 + p);
            FloatVector w = FloatVector.fromArray(S, b, b0 + p);
            s00 = x0.fma(w, s00); s10 = x1.fma(w, s10);
            w = FloatVector.fromArray(S, b, b1 + p);
            s01 = x0.fma(w, s01); s11 = x1.fma(w, s11);
            w = FloatVector.fromArray(S, b, b2 + p);
            s02 = x0.fma(w, s02); s12 = x1.fma(w, s12);
            w = FloatVector.fromArray(S, b, b3 + p);
            s03 = x0.fma(w, s03); s13 = x1.fma(w, s13);
        }
        r[0] = s00.reduceLanes(VectorOperators.ADD); r[1] = s01.reduceLanes(VectorOperators.ADD);
        r[2] = s02.reduceLanes(VectorOperators.ADD); r[3] = s03.reduceLanes(VectorOperators.ADD);
        r[4] = s10.reduceLanes(VectorOperators.ADD); r[5] = s11.reduceLanes(VectorOperators.ADD);
        r[6] = s12.reduceLanes(VectorOperators.ADD); r[7] = s13.reduceLanes(VectorOperators.ADD);
        for (int p = up; p < k; p++) {
            float x0 = a[a0 + p], x1 = a[a1 + p];
            r[0] += x0 * b[b0 + p]; r[1] += x0 * b[b1 + p]; r[2] += x0 * b[b2 + p]; r[3] += x0 * b[b3 + p];
            r[4] += x1 * b[b0 + p]; r[5] += x1 * b[b1 + p]; r[6] += x1 * b[b2 + p]; r[7] += x1 * b[b3 + p];
        }
    }

    /**
     * {@code C (+)= A · B} with A m×k row-major and B given by row offsets: B[p][j] = b[rowOff[p] + j].
     * Rows are read in place, so a convolution's shifted, dilated views of one padded signal form a
     * single product of depth (channels × taps) with no im2col copy.
     */
    public static void f32Rows(int m, int n, int k, float[] a, int ao, int lda, float[] b, int[] rowOff,
                               float[] c, int co, int ldc, boolean accumulate) {
        if (m <= 0 || n <= 0) return;
        if (rowOff.length < k) throw new IllegalArgumentException("f32Rows: " + rowOff.length + " row offsets for depth " + k);
        if (m < MR || k <= 0 || (long) m * n * k < 16_384) {
            for (int i = 0; i < m; i++) {
                int ci = co + i * ldc;
                if (!accumulate) java.util.Arrays.fill(c, ci, ci + n, 0f);
                for (int p = 0; p < k; p++) axpy(a[ao + i * lda + p], b, rowOff[p], c, ci, n);
            }
            return;
        }
        blocked(false, false, m, n, k, a, ao, lda, b, 0, 0, rowOff, c, co, ldc, accumulate);
    }

    /**
     * The convolution path's micro-kernel, {@code -Dkokoro.conv.kernel=}: {@code 6x4} (default; 6 rows × 4V,
     * 24 accumulators, 6 broadcasts + 4 loads and 8–11 scalar µops per 24 FMAs in the JIT's loop, B panels 4V = 2^k floats wide
     * so C2 hoists every range check), {@code 4x3} (4 × 3V, 12 accumulators; its B index p·3V kept two
     * range checks per step in the loop) or {@code 6x2} (the GEMM's). On a core with two 512-bit FMA ports
     * (Xeon) the 4 × 3V loop issues ~30 µops per 12 FMAs, near the 6-wide front end's limit, and its scalar
     * µops compete with the FMA ports; 6 × 4V needs ~42 per 24. The 6 × 4V kernel keeps its accumulators
     * as locals, loads C at entry and stores at exit (no add flag), which keeps the method under C2's
     * inlining node budget: a 4 × 4V test kernel with the flagged epilogue overran it (PrintInlining:
     * NodeCountInliningCutoff), boxed two vectors per step in its loop and ran 4× slower, likely what
     * happened to the earlier 8 × 2V attempt.
     */
    static final int K43 = 0, K62 = 1, K64 = 2;
    static int convKernel = convKernelKind(System.getProperty("kokoro.conv.kernel", "6x4"));

    private static int convKernelKind(String name) {
        return switch (name) {
            case "4x3" -> K43;
            case "6x2" -> K62;
            case "6x4" -> K64;
            default -> throw new IllegalArgumentException("kokoro.conv.kernel: " + name + " (want 6x4, 4x3 or 6x2)");
        };
    }

    /** Picks the conv path's micro-kernel at run time ("6x4", "4x3", "6x2"; benchmarks compare them in one JVM). */
    public static void setConvKernel(String name) { convKernel = convKernelKind(name); }
    /** Rows × columns of C per micro-kernel call for a conv kernel kind. */
    static int convMr(int kind) { return kind == K43 ? 4 : 6; }
    static int convNr(int kind) { return kind == K43 ? 3 * V : kind == K62 ? NR : 4 * V; }
    /** k block of the convolution path: one packed B panel (kcc·nr floats) stays within a 32 KB L1. */
    static int convKc(int nr) { return Math.max(64, Math.min(384, 8192 / nr / 16 * 16)); }
    /** Thread count f32Conv plans its split for; 0 = Parallel.threads() (tests set it to reach the many-thread splits). */
    static int planThreads = 0;
    /** Split of short convolutions over many threads: square tiles (default) or -Dkokoro.conv.split=wide (wide column blocks, thin row groups). */
    static final boolean SQUARE_TILES = !"wide".equals(System.getProperty("kokoro.conv.split"));

    /**
     * A convolution as one product, parallel over blocks of C's columns only:
     * {@code C[m × n] = A[m × k] · B (+ bias[i] on row i)} with B[p][j] = b[rowStart[p] + shift[p] + j] where
     * 0 ≤ shift[p] + j < len, else 0 (a row of B is a shifted, dilated view of one channel of the unpadded
     * signal). A is packed once; each task then owns a block of columns and runs every k block on it,
     * packing its B panels (zero-filled at the signal's ends) into an L1-sized buffer: one fork/join per
     * call, C written once, no padded copy of the signal. C is overwritten, or added to with accumulate.
     */
    static void f32Conv(int m, int n, int k, float[] a, int ao, int lda, float[] b, int[] rowStart, int[] shift, int len,
                        float[] bias, float[] c, int co, int ldc, int maxColumns, boolean accumulate) {
        if (m <= 0 || n <= 0) return;
        final int kind = convKernel, cmr = convMr(kind), cnr = convNr(kind), kcc = convKc(cnr);
        int mPanels = ceil(m, cmr), kBlocks = ceil(k, kcc);
        float[] ap = new float[mPanels * cmr * k];
        // k block starting at p0 holds its panels at p0·mPanels·cmr + q·cmr·kc
        Parallel.forRange(mPanels * kBlocks, (long) cmr * kcc, (lo, hi) -> {
            for (int u = lo; u < hi; u++) {
                int q = u % mPanels, p0 = (u / mPanels) * kcc, kc = Math.min(kcc, k - p0);
                packAConv(a, ao, lda, m, p0, kc, q, cmr, ap, p0 * mPanels * cmr + q * cmr * kc);
            }
        });
        int[] plan = plan(m, n, cmr, cnr, maxColumns);
        int tc = plan[0], blocks = plan[1], perGroup = plan[2], rowGroups = plan[3];
        Parallel.forEachItem(blocks * rowGroups, 2L * Math.min(m, perGroup * cmr) * k * tc, (lo, hi) -> {
            Scratch sc = Scratch.acquire();
            try {
                float[] bp = sc.b(kcc * cnr), edge = sc.edge(cmr * cnr);
                for (int task = lo; task < hi; task++) {
                    int blk = task / rowGroups, pmLo = (task % rowGroups) * perGroup, pmHi = Math.min(mPanels, pmLo + perGroup);
                    int j0 = blk * tc, nc = Math.min(tc, n - j0), iLo = pmLo * cmr, iHi = Math.min(m, pmHi * cmr);
                    // the 6 × 4V kernel only adds into C: C starts as bias or zero (or keeps its values and gets bias added)
                    if (kind == K64) initRows(c, co, ldc, iLo, iHi, j0, nc, bias, accumulate);
                    for (int p0 = 0; p0 < k; p0 += kcc) {
                        int kc = Math.min(kcc, k - p0), aBase = p0 * mPanels * cmr;
                        boolean add = accumulate || p0 > 0;
                        for (int jj = 0; jj < nc; jj += cnr) {
                            int cols = Math.min(cnr, nc - jj);
                            packShifted(b, rowStart, shift, len, p0, kc, j0 + jj, cols, cnr, bp);
                            for (int pm = pmLo; pm < pmHi; pm++) {
                                int ii = pm * cmr, rows = Math.min(cmr, m - ii), aOff = aBase + pm * cmr * kc;
                                if (rows == cmr && cols == cnr) {
                                    int ci = co + ii * ldc + j0 + jj;
                                    switch (kind) {
                                        case K64 -> kernel64(kc, ap, aOff, bp, c, ci, ldc);
                                        case K43 -> kernel43(kc, ap, aOff, bp, c, ci, ldc, add);
                                        default -> kernel(kc, ap, aOff, bp, 0, NR, c, ci, ldc, add);
                                    }
                                } else {
                                    switch (kind) {
                                        case K64 -> { java.util.Arrays.fill(edge, 0, cmr * cnr, 0f); kernel64(kc, ap, aOff, bp, edge, 0, cnr); }
                                        case K43 -> kernel43(kc, ap, aOff, bp, edge, 0, cnr, false);
                                        default -> kernel(kc, ap, aOff, bp, 0, NR, edge, 0, NR, false);
                                    }
                                    boolean addEdge = add || kind == K64;
                                    for (int r = 0; r < rows; r++) {
                                        int ci = co + (ii + r) * ldc + j0 + jj;
                                        for (int j = 0; j < cols; j++) c[ci + j] = addEdge ? c[ci + j] + edge[r * cnr + j] : edge[r * cnr + j];
                                    }
                                }
                            }
                        }
                    }
                    if (bias != null && kind != K64)
                        for (int i = iLo; i < iHi; i++) {
                            int ci = co + i * ldc + j0, j = 0;
                            FloatVector bv = FloatVector.broadcast(S, bias[i]);
                            for (; j + V <= nc; j += V) FloatVector.fromArray(S, c, ci + j).add(bv).intoArray(c, ci + j);
                            for (; j < nc; j++) c[ci + j] += bias[i];
                        }
                }
            } finally {
                sc.release();
            }
        });
    }

    /** Width of a packed channel strip: 4V output columns plus the kernel's reach (dilation·(K−1)) must fit. */
    static final int STRIP = 128;
    /**
     * Channels per k block of {@link #f32ConvStrips} (their strips, cb·STRIP floats, 16–32 KB, stay in L1;
     * each visit of C runs cb·K steps): ConvBench on one Zen 4 core, 64 channels were 2–10% faster than 32
     * at K 3 and 7, 5% slower at K 11 (its W panel, 6·64·11 floats, then competes with the strips for L1).
     */
    static int stripChannels(int k) { return k <= 7 ? 64 : 32; }
    /** Off (tests, or -Dkokoro.conv.strips=false): the 6 × 4V kernel runs in {@link #f32Conv} over packed rows. */
    static boolean stripPath = !"false".equals(System.getProperty("kokoro.conv.strips"));

    /**
     * Whether {@link #f32ConvStrips} takes a stride-1 conv of m output channels, kernel k and dilation d under
     * the current kernel kind. Only up to {@link #STRIP_MAX_M} output channels: there a B panel serves few
     * rows, so its copy counts (ConvBench, one Zen 4 core: 3–9% faster at 128/256 channels, 25% for
     * conv_post's 22); with the decoder's 512–1024 the copy is spread over many rows and the strips' shorter
     * k blocks (32 channels × K steps per visit of C) made them 10–15% slower than packed rows.
     */
    static boolean stripsFit(int m, int k, int dilation) {
        return stripPath && convKernel == K64 && m <= STRIP_MAX_M && 4 * V + (long) dilation * (k - 1) <= STRIP;
    }

    static final int STRIP_MAX_M = 384;

    /**
     * A stride-1 convolution {@code C[m × n] = W[m, cl·K] · B (+ bias)} with B[c·K + kk][j] = L[c][j + kk·d − padding]
     * (zero outside [0, len)), L's channel c at b[lo + c·len]: as {@link #f32Conv} with the 6 × 4V kernel, but B
     * is not packed row by row: per block of {@link #stripChannels} channels and 4V output columns, each channel's
     * window of {@link #STRIP} samples is copied once and the K taps read it at offsets kk·d (a K-fold smaller
     * copy: the taps of one channel share all but their first few samples). W is packed in the matching
     * order, tap-major within each channel block. Caller checks {@link #stripsFit}.
     */
    static void f32ConvStrips(int m, int n, int cl, int k, int dilation, int padding, float[] a, int ao, int lda,
                              float[] b, int lo, int len, float[] bias, float[] c, int co, int ldc, int maxColumns, boolean accumulate) {
        if (m <= 0 || n <= 0) return;
        final int cmr = 6, cnr = 4 * V;
        final int cbs = stripChannels(k);
        int mPanels = ceil(m, cmr), cBlocks = ceil(cl, cbs), depth = cl * k;
        float[] ap = new float[mPanels * cmr * depth];
        // channel block c0 holds its panels at c0·k·mPanels·cmr + q·cmr·(cb·k), steps ordered (kk, channel)
        Parallel.forRange(mPanels * cBlocks, (long) cmr * cbs * k, (lo0, hi0) -> {
            for (int u = lo0; u < hi0; u++) {
                int q = u % mPanels, c0 = (u / mPanels) * cbs, cb = Math.min(cbs, cl - c0);
                packAStrips(a, ao, lda, m, k, c0, cb, q, ap, c0 * k * mPanels * cmr + q * cmr * cb * k);
            }
        });
        int[] plan = plan(m, n, cmr, cnr, maxColumns);
        int tc = plan[0], blocks = plan[1], perGroup = plan[2], rowGroups = plan[3];
        Parallel.forEachItem(blocks * rowGroups, 2L * Math.min(m, perGroup * cmr) * depth * tc, (lo1, hi1) -> {
            Scratch sc = Scratch.acquire();
            try {
                float[] strip = sc.b(cbs * STRIP), edge = sc.edge(cmr * cnr);
                for (int task = lo1; task < hi1; task++) {
                    int blk = task / rowGroups, pmLo = (task % rowGroups) * perGroup, pmHi = Math.min(mPanels, pmLo + perGroup);
                    int j0 = blk * tc, nc = Math.min(tc, n - j0), iLo = pmLo * cmr, iHi = Math.min(m, pmHi * cmr);
                    initRows(c, co, ldc, iLo, iHi, j0, nc, bias, accumulate);
                    for (int c0 = 0; c0 < cl; c0 += cbs) {
                        int cb = Math.min(cbs, cl - c0), aBase = c0 * k * mPanels * cmr;
                        for (int jj = 0; jj < nc; jj += cnr) {
                            int cols = Math.min(cnr, nc - jj);
                            packStrips(b, lo, len, c0, cb, j0 + jj - padding, strip);
                            for (int pm = pmLo; pm < pmHi; pm++) {
                                int ii = pm * cmr, rows = Math.min(cmr, m - ii), aOff = aBase + pm * cmr * cb * k;
                                if (rows == cmr && cols == cnr) {
                                    kernelStrips(k, cb, dilation, ap, aOff, strip, c, co + ii * ldc + j0 + jj, ldc);
                                } else {
                                    java.util.Arrays.fill(edge, 0, cmr * cnr, 0f);
                                    kernelStrips(k, cb, dilation, ap, aOff, strip, edge, 0, cnr);
                                    for (int r = 0; r < rows; r++) {
                                        int ci = co + (ii + r) * ldc + j0 + jj;
                                        for (int j = 0; j < cols; j++) c[ci + j] += edge[r * cnr + j];
                                    }
                                }
                            }
                        }
                    }
                }
            } finally {
                sc.release();
            }
        });
    }

    /**
     * How f32Conv splits C over the threads: {tc (columns per block), blocks, perGroup (row panels per
     * task), rowGroups}.
     */
    private static int[] plan(int m, int n, int cmr, int cnr, int maxColumns) {
        int mPanels = ceil(m, cmr);
        int threads = planThreads > 0 ? planThreads : Parallel.threads();
        int panels = Math.max(2, Math.min(8, n / (4 * threads * cnr)));
        boolean few = ceil(n, panels * cnr) < threads;
        int rowTarget;
        if (few && SQUARE_TILES) {
            // columns too few to feed the threads (short signals, many channels, many threads): about
            // 4·threads tiles of C as square as the panels allow, since a task packs B for its tile's
            // columns and streams A for its tile's rows (tall narrow tiles repack all of B for few rows)
            double side = Math.sqrt((double) m * n / (4.0 * threads));
            panels = Math.max(1, Math.min(8, Math.min(ceil(n, cnr), (int) Math.round(side / cnr))));
            panels = Math.max(1, Math.min(panels, maxColumns / cnr));
            rowTarget = Math.max(1, ceil(4 * threads, ceil(n, panels * cnr)));
        } else {
            // few columns: wide blocks, so that A streams through fewer times, and rows of C split below
            if (few) panels = Math.min(8, ceil(n, cnr));
            panels = Math.max(1, Math.min(panels, maxColumns / cnr));
            rowTarget = Math.max(1, ceil(4 * threads, ceil(n, panels * cnr)));
        }
        int tc = panels * cnr, blocks = ceil(n, tc);
        // few column blocks (short signals, many channels): rows of C are split too, each task packing its own B panels
        int perGroup = ceil(mPanels, Math.min(mPanels, rowTarget)), rowGroups = ceil(mPanels, perGroup);
        return new int[]{tc, blocks, perGroup, rowGroups};
    }

    /** Panel q of W (rows q·6.., zero past m) for channels [c0, c0 + cb): ap[base + (kk·cb + cc)·6 + r] = W[i0 + r][(c0 + cc)·k + kk]. */
    private static void packAStrips(float[] a, int ao, int lda, int m, int k, int c0, int cb, int q, float[] ap, int base) {
        int i0 = q * 6, rows = Math.min(6, m - i0);
        for (int r = 0; r < 6; r++) {
            int src = ao + (i0 + r) * lda + c0 * k;
            for (int cc = 0; cc < cb; cc++)
                for (int kk = 0; kk < k; kk++)
                    ap[base + (kk * cb + cc) * 6 + r] = r < rows ? a[src + cc * k + kk] : 0f;
        }
    }

    /** strip[cc·STRIP + x] = L[c0 + cc][s + x] for x < STRIP, zero outside [0, len). */
    private static void packStrips(float[] b, int lo, int len, int c0, int cb, int s, float[] strip) {
        for (int cc = 0; cc < cb; cc++) {
            int src = lo + (c0 + cc) * len + s, dst = cc * STRIP;
            if (s >= 0 && s + STRIP <= len) {
                for (int x = 0; x < STRIP; x += V) FloatVector.fromArray(S, b, src + x).intoArray(strip, dst + x);
            } else {
                for (int x = 0; x < STRIP; x++) strip[dst + x] = s + x >= 0 && s + x < len ? b[src + x] : 0f;
            }
        }
    }

    /**
     * C[6 × 4V] += packed W panel (steps (kk, cc), 6 rows each) · B, B's row (cc, kk) read from the channel
     * strips at cc·STRIP + kk·d: per tap a loop over the block's channels whose B index is a constant
     * multiple of the counter, so C2 hoists its range checks.
     */
    private static void kernelStrips(int k, int cb, int d, float[] ap, int aOff, float[] bp, float[] c, int ci, int ldc) {
        int r1 = ci + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc;
        FloatVector c00 = FloatVector.fromArray(S, c, ci), c01 = FloatVector.fromArray(S, c, ci + V), c02 = FloatVector.fromArray(S, c, ci + 2 * V), c03 = FloatVector.fromArray(S, c, ci + 3 * V);
        FloatVector c10 = FloatVector.fromArray(S, c, r1), c11 = FloatVector.fromArray(S, c, r1 + V), c12 = FloatVector.fromArray(S, c, r1 + 2 * V), c13 = FloatVector.fromArray(S, c, r1 + 3 * V);
        FloatVector c20 = FloatVector.fromArray(S, c, r2), c21 = FloatVector.fromArray(S, c, r2 + V), c22 = FloatVector.fromArray(S, c, r2 + 2 * V), c23 = FloatVector.fromArray(S, c, r2 + 3 * V);
        FloatVector c30 = FloatVector.fromArray(S, c, r3), c31 = FloatVector.fromArray(S, c, r3 + V), c32 = FloatVector.fromArray(S, c, r3 + 2 * V), c33 = FloatVector.fromArray(S, c, r3 + 3 * V);
        FloatVector c40 = FloatVector.fromArray(S, c, r4), c41 = FloatVector.fromArray(S, c, r4 + V), c42 = FloatVector.fromArray(S, c, r4 + 2 * V), c43 = FloatVector.fromArray(S, c, r4 + 3 * V);
        FloatVector c50 = FloatVector.fromArray(S, c, r5), c51 = FloatVector.fromArray(S, c, r5 + V), c52 = FloatVector.fromArray(S, c, r5 + 2 * V), c53 = FloatVector.fromArray(S, c, r5 + 3 * V);
        for (int t = 0; t < k; t++) {
            int bo = t * d, ao = aOff + t * cb * 6;
            for (int q = 0; q < cb; q++) {
                int ai = ao + q * 6, bi = bo + q * STRIP;
                FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + V);
                FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * V), b3 = FloatVector.fromArray(S, bp, bi + 3 * V);
                FloatVector x = FloatVector.broadcast(S, ap[ai]);
                c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
                x = FloatVector.broadcast(S, ap[ai + 1]);
                c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
                x = FloatVector.broadcast(S, ap[ai + 2]);
                c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
                x = FloatVector.broadcast(S, ap[ai + 3]);
                c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
                x = FloatVector.broadcast(S, ap[ai + 4]);
                c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42); c43 = x.fma(b3, c43);
                x = FloatVector.broadcast(S, ap[ai + 5]);
                c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52); c53 = x.fma(b3, c53);
            }
        }
        c00.intoArray(c, ci); c01.intoArray(c, ci + V); c02.intoArray(c, ci + 2 * V); c03.intoArray(c, ci + 3 * V);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + V); c12.intoArray(c, r1 + 2 * V); c13.intoArray(c, r1 + 3 * V);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + V); c22.intoArray(c, r2 + 2 * V); c23.intoArray(c, r2 + 3 * V);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + V); c32.intoArray(c, r3 + 2 * V); c33.intoArray(c, r3 + 3 * V);
        c40.intoArray(c, r4); c41.intoArray(c, r4 + V); c42.intoArray(c, r4 + 2 * V); c43.intoArray(c, r4 + 3 * V);
        c50.intoArray(c, r5); c51.intoArray(c, r5 + V); c52.intoArray(c, r5 + 2 * V); c53.intoArray(c, r5 + 3 * V);
    }

    /** Rows [iLo, iHi) × columns [j0, j0 + nc) of C: set to bias[i] (or 0), or with accumulate add bias[i] (if any). */
    private static void initRows(float[] c, int co, int ldc, int iLo, int iHi, int j0, int nc, float[] bias, boolean accumulate) {
        if (accumulate && bias == null) return;
        for (int i = iLo; i < iHi; i++) {
            int ci = co + i * ldc + j0, j = 0;
            float v = bias == null ? 0f : bias[i];
            if (!accumulate) { java.util.Arrays.fill(c, ci, ci + nc, v); continue; }
            FloatVector bv = FloatVector.broadcast(S, v);
            for (; j + V <= nc; j += V) FloatVector.fromArray(S, c, ci + j).add(bv).intoArray(c, ci + j);
            for (; j < nc; j++) c[ci + j] += v;
        }
    }

    /** Panel of A rows q·cmr.. (zero past m), k range [p0, p0 + kc), laid out [kc][cmr] at base. */
    private static void packAConv(float[] a, int ao, int lda, int m, int p0, int kc, int q, int cmr, float[] ap, int base) {
        int i0 = q * cmr, rows = Math.min(cmr, m - i0);
        for (int r = 0; r < cmr; r++) {
            if (r < rows) {
                int src = ao + (i0 + r) * lda + p0;
                for (int p = 0; p < kc; p++) ap[base + p * cmr + r] = a[src + p];
            } else {
                for (int p = 0; p < kc; p++) ap[base + p * cmr + r] = 0f;
            }
        }
    }

    /** bp[p·cnr + x] = B[p0 + p][j + x] of {@link #f32Conv}'s shifted rows, zero outside the signal and past cols. */
    private static void packShifted(float[] b, int[] rowStart, int[] shift, int len, int p0, int kc, int j, int cols, int cnr, float[] bp) {
        for (int p = 0; p < kc; p++) {
            int s0 = shift[p0 + p] + j, src = rowStart[p0 + p] + s0, dst = p * cnr;
            if (cols == cnr && s0 >= 0 && s0 + cnr <= len) {
                for (int x = 0; x < cnr; x += V) FloatVector.fromArray(S, b, src + x).intoArray(bp, dst + x);
            } else {
                for (int x = 0; x < cnr; x++) bp[dst + x] = x < cols && s0 + x >= 0 && s0 + x < len ? b[src + x] : 0f;
            }
        }
    }

    /**
     * C[6 × 4V] += packed A panel (6 rows) · packed B panel (4V columns) over kc steps. B's row p starts
     * at p·4V, a power of two times p, which C2's range-check elimination recognises (p·3V, compiled as
     * (p·3)·V, was not).
     */
    private static void kernel64(int kc, float[] ap, int aOff, float[] bp, float[] c, int ci, int ldc) {
        int r1 = ci + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc;
        FloatVector c00 = FloatVector.fromArray(S, c, ci), c01 = FloatVector.fromArray(S, c, ci + V), c02 = FloatVector.fromArray(S, c, ci + 2 * V), c03 = FloatVector.fromArray(S, c, ci + 3 * V);
        FloatVector c10 = FloatVector.fromArray(S, c, r1), c11 = FloatVector.fromArray(S, c, r1 + V), c12 = FloatVector.fromArray(S, c, r1 + 2 * V), c13 = FloatVector.fromArray(S, c, r1 + 3 * V);
        FloatVector c20 = FloatVector.fromArray(S, c, r2), c21 = FloatVector.fromArray(S, c, r2 + V), c22 = FloatVector.fromArray(S, c, r2 + 2 * V), c23 = FloatVector.fromArray(S, c, r2 + 3 * V);
        FloatVector c30 = FloatVector.fromArray(S, c, r3), c31 = FloatVector.fromArray(S, c, r3 + V), c32 = FloatVector.fromArray(S, c, r3 + 2 * V), c33 = FloatVector.fromArray(S, c, r3 + 3 * V);
        FloatVector c40 = FloatVector.fromArray(S, c, r4), c41 = FloatVector.fromArray(S, c, r4 + V), c42 = FloatVector.fromArray(S, c, r4 + 2 * V), c43 = FloatVector.fromArray(S, c, r4 + 3 * V);
        FloatVector c50 = FloatVector.fromArray(S, c, r5), c51 = FloatVector.fromArray(S, c, r5 + V), c52 = FloatVector.fromArray(S, c, r5 + 2 * V), c53 = FloatVector.fromArray(S, c, r5 + 3 * V);
        for (int p = 0; p < kc; p++) {
            int ai = aOff + p * 6, bi = p * (4 * V);
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + V);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * V), b3 = FloatVector.fromArray(S, bp, bi + 3 * V);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42); c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52); c53 = x.fma(b3, c53);
        }
        c00.intoArray(c, ci); c01.intoArray(c, ci + V); c02.intoArray(c, ci + 2 * V); c03.intoArray(c, ci + 3 * V);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + V); c12.intoArray(c, r1 + 2 * V); c13.intoArray(c, r1 + 3 * V);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + V); c22.intoArray(c, r2 + 2 * V); c23.intoArray(c, r2 + 3 * V);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + V); c32.intoArray(c, r3 + 2 * V); c33.intoArray(c, r3 + 3 * V);
        c40.intoArray(c, r4); c41.intoArray(c, r4 + V); c42.intoArray(c, r4 + 2 * V); c43.intoArray(c, r4 + 3 * V);
        c50.intoArray(c, r5); c51.intoArray(c, r5 + V); c52.intoArray(c, r5 + 2 * V); c53.intoArray(c, r5 + 3 * V);
    }

    /** C[4 × 3V] (+)= packed A panel (4 rows) · packed B panel (3V columns) over kc steps. */
    private static void kernel43(int kc, float[] ap, int aOff, float[] bp, float[] c, int ci, int ldc, boolean add) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z, c10 = z, c11 = z, c12 = z, c20 = z, c21 = z, c22 = z, c30 = z, c31 = z, c32 = z;
        for (int p = 0; p < kc; p++) {
            int ai = aOff + p * 4, bi = p * 3 * V;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + V);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * V);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32);
        }
        store3(c00, c01, c02, c, ci, add);
        store3(c10, c11, c12, c, ci + ldc, add);
        store3(c20, c21, c22, c, ci + 2 * ldc, add);
        store3(c30, c31, c32, c, ci + 3 * ldc, add);
    }

    private static void store3(FloatVector v0, FloatVector v1, FloatVector v2, float[] c, int ci, boolean add) {
        if (add) {
            v0 = v0.add(FloatVector.fromArray(S, c, ci));
            v1 = v1.add(FloatVector.fromArray(S, c, ci + V));
            v2 = v2.add(FloatVector.fromArray(S, c, ci + 2 * V));
        }
        v0.intoArray(c, ci);
        v1.intoArray(c, ci + V);
        v2.intoArray(c, ci + 2 * V);
    }

    /** The packed, register-blocked product; rowOff != null: B rows at b[rowOff[p] ..] (not transposed). */
    private static void blocked(boolean ta, boolean tb, int m, int n, int k, float[] a, int ao, int lda,
                                float[] b, int bo, int ldb, int[] rowOff, float[] c, int co, int ldc, boolean accumulate) {
        int mPanels = (m + MR - 1) / MR;
        int kcMax = Math.min(KC, k), ncMax = Math.min(NC, n);
        // op(B) with contiguous rows is read in place by the kernel (no packed copy); only its ragged
        // last panel is packed, per tile task
        boolean directB = !tb;
        Scratch mine = Scratch.acquire();
        try {
            float[] ap = mine.a(mPanels * MR * kcMax);
            float[] bp = directB ? null : mine.b(ceil(ncMax, NR) * NR * kcMax);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc), p0 = pc;
                boolean add = accumulate || pc > 0;
                Parallel.forRange(mPanels, (long) MR * kc, (lo, hi) -> {
                    for (int q = lo; q < hi; q++) packA(ta, a, ao, lda, m, p0, kc, q, ap);
                });
                for (int jc = 0; jc < n; jc += NC) {
                    int nc = Math.min(NC, n - jc), j0 = jc;
                    int nPanels = ceil(nc, NR);
                    if (!directB) Parallel.forRange(nPanels, (long) NR * kc, (lo, hi) -> {
                        for (int q = lo; q < hi; q++) packB(tb, b, bo, ldb, p0, kc, j0, nc, q, bp);
                    });
                    // Tiles of C: shrink them until both cores get a few each. B read in place: a tile spans
                    // all of A's panels (packed A stays in L2) so each strided B panel comes from memory once.
                    int tm = TILE_M_PANELS;
                    if (directB) { // equal tiles of at most ~384 KB of packed A
                        int most = Math.max(1, (96 << 10) / (MR * kc)), parts = ceil(mPanels, most);
                        tm = ceil(mPanels, parts);
                    }
                    int tn = TILE_N_PANELS, threads = Parallel.threads();
                    while (ceil(mPanels, tm) * ceil(nPanels, tn) < 4 * threads && (tm > 1 || tn > 1)) {
                        if (directB) { if (tn > 1) tn = (tn + 1) / 2; else tm = (tm + 1) / 2; }
                        else if (tm >= tn * 2 && tm > 1) tm = (tm + 1) / 2; else if (tn > 1) tn = (tn + 1) / 2; else tm = (tm + 1) / 2;
                    }
                    int tilesN = ceil(nPanels, tn), ftm = tm, ftn = tn;
                    Parallel.forRange(ceil(mPanels, tm) * tilesN, 2L * ftm * MR * ftn * NR * kc, (lo, hi) -> {
                        Scratch sc = Scratch.acquire();
                        try {
                            float[] edge = sc.edge(MR * NR);
                            for (int t = lo; t < hi; t++) {
                                int pm0 = (t / tilesN) * ftm, pm1 = Math.min(mPanels, pm0 + ftm);
                                int pn0 = (t % tilesN) * ftn, pn1 = Math.min(nPanels, pn0 + ftn);
                                for (int pn = pn0; pn < pn1; pn++) {
                                    int jj = pn * NR, cols = Math.min(NR, nc - jj);
                                    float[] bsrc;
                                    int bOff, bStride;
                                    boolean viaRows = rowOff != null && cols == NR;
                                    if (!directB) { bsrc = bp; bOff = pn * NR * kc; bStride = NR; }
                                    else if (viaRows) { bsrc = b; bOff = j0 + jj; bStride = 0; }
                                    else if (cols == NR) { bsrc = b; bOff = bo + p0 * ldb + j0 + jj; bStride = ldb; }
                                    else if (rowOff == null) { bsrc = sc.b(NR * kc); packB(false, b, bo, ldb, p0, kc, j0, nc, pn, bsrc, 0); bOff = 0; bStride = NR; }
                                    else { bsrc = sc.b(NR * kc); packRows(b, rowOff, p0, kc, j0 + jj, cols, bsrc); bOff = 0; bStride = NR; }
                                    for (int pm = pm0; pm < pm1; pm++) {
                                        int ii = pm * MR, rows = Math.min(MR, m - ii), aOff = pm * MR * kc;
                                        if (rows == MR && cols == NR) {
                                            if (viaRows) kernelRows(kc, ap, aOff, bsrc, rowOff, p0, bOff, c, co + ii * ldc + j0 + jj, ldc, add);
                                            else kernel(kc, ap, aOff, bsrc, bOff, bStride, c, co + ii * ldc + j0 + jj, ldc, add);
                                        } else {
                                            if (viaRows) kernelRows(kc, ap, aOff, bsrc, rowOff, p0, bOff, edge, 0, NR, false);
                                            else kernel(kc, ap, aOff, bsrc, bOff, bStride, edge, 0, NR, false);
                                            for (int r = 0; r < rows; r++) {
                                                int ci = co + (ii + r) * ldc + j0 + jj;
                                                for (int j = 0; j < cols; j++) c[ci + j] = add ? c[ci + j] + edge[r * NR + j] : edge[r * NR + j];
                                            }
                                        }
                                    }
                                }
                            }
                        } finally {
                            sc.release();
                        }
                    });
                }
            }
        } finally {
            mine.release();
        }
    }

    /**
     * Packing buffers reused across calls, one set per thread, grown as needed. A thread that re-enters
     * Gemm while its set is in use (fork/join helping runs another task on a waiting thread) gets fresh
     * arrays for that call.
     */
    private static class Scratch {
        private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);
        private float[] a = new float[0], b = new float[0], edge = new float[0];
        private boolean inUse;

        static Scratch acquire() {
            Scratch s = LOCAL.get();
            if (s.inUse) return new Scratch() { @Override void release() {} };
            s.inUse = true;
            return s;
        }

        void release() { inUse = false; }

        float[] a(int len) { return a.length >= len ? a : (a = new float[len]); }
        float[] b(int len) { return b.length >= len ? b : (b = new float[len]); }
        float[] edge(int len) { return edge.length >= len ? edge : (edge = new float[len]); }
    }

    private static int ceil(int a, int b) { return (a + b - 1) / b; }

    /** Panel q of op(A) rows q·MR.., k range [p0, p0 + kc), laid out [kc][MR], zero rows past m. */
    private static void packA(boolean ta, float[] a, int ao, int lda, int m, int p0, int kc, int q, float[] ap) {
        int i0 = q * MR, rows = Math.min(MR, m - i0), base = q * MR * kc;
        if (ta) { // op(A)[i][p] = a[p·lda + i]: MR consecutive values per p
            for (int p = 0; p < kc; p++) {
                int src = ao + (p0 + p) * lda + i0, dst = base + p * MR;
                for (int r = 0; r < rows; r++) ap[dst + r] = a[src + r];
                for (int r = rows; r < MR; r++) ap[dst + r] = 0f;
            }
        } else {
            for (int r = 0; r < MR; r++) {
                if (r < rows) {
                    int src = ao + (i0 + r) * lda + p0;
                    for (int p = 0; p < kc; p++) ap[base + p * MR + r] = a[src + p];
                } else {
                    for (int p = 0; p < kc; p++) ap[base + p * MR + r] = 0f;
                }
            }
        }
    }

    /** Panel q of op(B) columns j0 + q·NR.. (within nc), k range [p0, p0 + kc), laid out [kc][NR], zero columns past nc. */
    private static void packB(boolean tb, float[] b, int bo, int ldb, int p0, int kc, int j0, int nc, int q, float[] bp) {
        packB(tb, b, bo, ldb, p0, kc, j0, nc, q, bp, q * NR * kc);
    }

    private static void packB(boolean tb, float[] b, int bo, int ldb, int p0, int kc, int j0, int nc, int q, float[] bp, int base) {
        int jj = q * NR, cols = Math.min(NR, nc - jj), j = j0 + jj;
        if (!tb) { // op(B)[p][j] = b[p·ldb + j]: contiguous rows
            for (int p = 0; p < kc; p++) {
                int src = bo + (p0 + p) * ldb + j, dst = base + p * NR;
                if (cols == NR) {
                    FloatVector.fromArray(S, b, src).intoArray(bp, dst);
                    FloatVector.fromArray(S, b, src + V).intoArray(bp, dst + V);
                } else {
                    for (int x = 0; x < cols; x++) bp[dst + x] = b[src + x];
                    for (int x = cols; x < NR; x++) bp[dst + x] = 0f;
                }
            }
        } else { // op(B)[p][j] = b[j·ldb + p]; blocks of 16 k steps keep the written lines in L1
            for (int pb = 0; pb < kc; pb += 16) {
                int pe = Math.min(kc, pb + 16);
                for (int x = 0; x < NR; x++) {
                    if (x < cols) {
                        int src = bo + (j + x) * ldb + p0;
                        for (int p = pb; p < pe; p++) bp[base + p * NR + x] = b[src + p];
                    } else {
                        for (int p = pb; p < pe; p++) bp[base + p * NR + x] = 0f;
                    }
                }
            }
        }
    }

    /** The ragged last panel of a row-offset B: bp[p·NR + x] = b[rowOff[p0 + p] + j + x], zero past cols. */
    private static void packRows(float[] b, int[] rowOff, int p0, int kc, int j, int cols, float[] bp) {
        for (int p = 0; p < kc; p++) {
            int src = rowOff[p0 + p] + j, dst = p * NR;
            for (int x = 0; x < cols; x++) bp[dst + x] = b[src + x];
            for (int x = cols; x < NR; x++) bp[dst + x] = 0f;
        }
    }

    /** As {@link #kernel}, B's row p at b[rowOff[p0 + p] + j]. */
    private static void kernelRows(int kc, float[] ap, int aOff, float[] b, int[] rowOff, int p0, int j,
                                   float[] c, int ci, int ldc, boolean add) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z,
                c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
        for (int p = 0; p < kc; p++, aOff += MR) {
            int bOff = rowOff[p0 + p] + j;
            FloatVector b0 = FloatVector.fromArray(S, b, bOff);
            FloatVector b1 = FloatVector.fromArray(S, b, bOff + V);
            FloatVector x = FloatVector.broadcast(S, ap[aOff]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[aOff + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[aOff + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[aOff + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[aOff + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[aOff + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        store(c00, c01, c, ci, add);
        store(c10, c11, c, ci + ldc, add);
        store(c20, c21, c, ci + 2 * ldc, add);
        store(c30, c31, c, ci + 3 * ldc, add);
        store(c40, c41, c, ci + 4 * ldc, add);
        store(c50, c51, c, ci + 5 * ldc, add);
    }

    /** C[6 × 2V] (+)= Ap-panel · B over kc steps; B's row p is bp[bOff + p·ldbp ..+NR) (packed: ldbp = NR). */
    private static void kernel(int kc, float[] ap, int aOff, float[] bp, int bOff, int ldbp,
                               float[] c, int ci, int ldc, boolean add) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z,
                c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
        // indices linear in the loop counter, so C2 can hoist the range checks out of the loop
        // (separately incremented offsets kept a compare and branch per load, stealing FMA ports on Intel)
        for (int p = 0; p < kc; p++) {
            int ai = aOff + p * MR, bi = bOff + p * ldbp;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + V);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        store(c00, c01, c, ci, add);
        store(c10, c11, c, ci + ldc, add);
        store(c20, c21, c, ci + 2 * ldc, add);
        store(c30, c31, c, ci + 3 * ldc, add);
        store(c40, c41, c, ci + 4 * ldc, add);
        store(c50, c51, c, ci + 5 * ldc, add);
    }

    private static void store(FloatVector v0, FloatVector v1, float[] c, int ci, boolean add) {
        if (add) {
            v0 = v0.add(FloatVector.fromArray(S, c, ci));
            v1 = v1.add(FloatVector.fromArray(S, c, ci + V));
        }
        v0.intoArray(c, ci);
        v1.intoArray(c, ci + V);
    }

    /** Few rows or little work: no packing; rows of C as dot products (tb) or axpys (!tb). */
    private static void small(boolean ta, boolean tb, int m, int n, int k,
                              float[] a, int ao, int lda, float[] b, int bo, int ldb,
                              float[] c, int co, int ldc, boolean accumulate) {
        float[] arows = new float[m * k]; // op(A) rows, contiguous
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++) arows[i * k + p] = ta ? a[ao + p * lda + i] : a[ao + i * lda + p];
        // tb: one dot product per column; otherwise column chunks of axpys, a few per core
        int chunk = tb ? 1 : Math.min(512, Math.max(4 * V, (ceil(n, 4 * Parallel.threads()) + 4 * V - 1) / (4 * V) * (4 * V)));
        int chunks = ceil(n, chunk);
        Parallel.forRange(chunks, 2L * m * k * chunk, (lo, hi) -> {
            int j0 = lo * chunk, j1 = Math.min(n, hi * chunk);
            if (tb) {
                for (int j = j0; j < j1; j++) {
                    int bj = bo + j * ldb;
                    for (int i = 0; i < m; i++) {
                        float s = dot(arows, i * k, b, bj, k);
                        int ci = co + i * ldc + j;
                        c[ci] = accumulate ? c[ci] + s : s;
                    }
                }
            } else {
                for (int i = 0; i < m; i++) rowTimesB(arows, i * k, k, b, bo, ldb, c, co + i * ldc, j0, j1, accumulate);
            }
        });
    }

    /** c[j0..j1) (+)= row · B[:, j0..j1), with four vectors of C held in registers across all of k. */
    static void rowTimesB(float[] row, int ro, int k, float[] b, int bo, int ldb, float[] c, int ci, int j0, int j1, boolean accumulate) {
        int j = j0;
        for (; j + 4 * V <= j1; j += 4 * V) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int p = 0, bp = bo + j; p < k; p++, bp += ldb) {
                FloatVector av = FloatVector.broadcast(S, row[ro + p]);
                s0 = av.fma(FloatVector.fromArray(S, b, bp), s0);
                s1 = av.fma(FloatVector.fromArray(S, b, bp + V), s1);
                s2 = av.fma(FloatVector.fromArray(S, b, bp + 2 * V), s2);
                s3 = av.fma(FloatVector.fromArray(S, b, bp + 3 * V), s3);
            }
            if (accumulate) {
                s0 = s0.add(FloatVector.fromArray(S, c, ci + j));
                s1 = s1.add(FloatVector.fromArray(S, c, ci + j + V));
                s2 = s2.add(FloatVector.fromArray(S, c, ci + j + 2 * V));
                s3 = s3.add(FloatVector.fromArray(S, c, ci + j + 3 * V));
            }
            s0.intoArray(c, ci + j);
            s1.intoArray(c, ci + j + V);
            s2.intoArray(c, ci + j + 2 * V);
            s3.intoArray(c, ci + j + 3 * V);
        }
        for (; j + V <= j1; j += V) {
            FloatVector s0 = FloatVector.zero(S);
            for (int p = 0, bp = bo + j; p < k; p++, bp += ldb) s0 = FloatVector.broadcast(S, row[ro + p]).fma(FloatVector.fromArray(S, b, bp), s0);
            if (accumulate) s0 = s0.add(FloatVector.fromArray(S, c, ci + j));
            s0.intoArray(c, ci + j);
        }
        for (; j < j1; j++) {
            float s = 0f;
            for (int p = 0, bp = bo + j; p < k; p++, bp += ldb) s += row[ro + p] * b[bp];
            c[ci + j] = accumulate ? c[ci + j] + s : s;
        }
    }

    static float dot(float[] x, int xo, float[] y, int yo, int len) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0;
        int p = 0;
        for (; p + 2 * V <= len; p += 2 * V) {
            s0 = FloatVector.fromArray(S, x, xo + p).fma(FloatVector.fromArray(S, y, yo + p), s0);
            s1 = FloatVector.fromArray(S, x, xo + p + V).fma(FloatVector.fromArray(S, y, yo + p + V), s1);
        }
        float s = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; p < len; p++) s += x[xo + p] * y[yo + p];
        return s;
    }

    /** y[yo..yo+len) += alpha · x[xo..xo+len). */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int len) {
        FloatVector av = FloatVector.broadcast(S, alpha);
        int j = 0;
        for (; j + V <= len; j += V)
            av.fma(FloatVector.fromArray(S, x, xo + j), FloatVector.fromArray(S, y, yo + j)).intoArray(y, yo + j);
        for (; j < len; j++) y[yo + j] += alpha * x[xo + j];
    }

    public static void f64(boolean ta, boolean tb, int m, int n, int k,
                           double[] a, int ao, int lda, double[] b, int bo, int ldb,
                           double[] c, int co, int ldc, boolean accumulate) {
        Parallel.forRange(m, 2L * n * k, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                int ci = co + i * ldc;
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        double av = ta ? a[ao + p * lda + i] : a[ao + i * lda + p];
                        double bv = tb ? b[bo + j * ldb + p] : b[bo + p * ldb + j];
                        s += av * bv;
                    }
                    c[ci + j] = accumulate ? c[ci + j] + s : s;
                }
            }
        });
    }

    /** Dispatch on the dtype of contiguous tensors' backing arrays. */
    static void run(boolean ta, boolean tb, int m, int n, int k,
                    Tensor a, int ao, int lda, Tensor b, int bo, int ldb, Tensor c, int co, int ldc, boolean accumulate) {
        switch (c.dtype) {
            case F32 -> f32(ta, tb, m, n, k, a.f, ao, lda, b.f, bo, ldb, c.f, co, ldc, accumulate);
            case F64 -> f64(ta, tb, m, n, k, a.d, ao, lda, b.d, bo, ldb, c.d, co, ldc, accumulate);
            case I64 -> throw new IllegalArgumentException("matmul of int64 tensors");
        }
    }
}
