package dev.kokoro.cuda;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Micro-benchmarks of the named kernels at Kokoro shapes (B 1…32, T 32…512, d_model 640, d_inner 1280,
 * d_state 16), forward and backward, against the card's ceilings measured first in the same process
 * ({@link CeilingsCuda}: memory bandwidth, FP32 FMA peak, TF32 mma.sync peak). Runner: benchmarks/device/kernel_bench.sh.
 *
 * <p>Method: inputs are random (made on the device, never zeros); each pass runs once with the allocator
 * poisoning new blocks with NaN and every output tensor is checked for NaN/Inf (so an unwritten element
 * shows); then warm-up calls, then repeats each timed with CUDA events around the call, median reported.
 * Before each timed call the L2 is flushed (a 256 MiB read) and a 200 µs spin kernel keeps the GPU busy
 * while the host enqueues the call, so the time is device time from cold L2, not host launch latency
 * (an op that synchronises inside, such as LstmCuda.forward's length upload, still pays its gap).
 * A pass's time includes its output allocations (cached) and memsets, as in the model.
 *
 * <p>Bytes are the fewest a pass must move (every input read once, every output written once, float32),
 * FLOPs the arithmetic it must do; both are stated per kernel below and printed under each table.
 * floor = max(bytes / measured bandwidth, FLOPs / relevant measured peak); "× floor" = time / floor.
 * No (B, T) combination is skipped: every kernel accepts all 25 and each is a shape Kokoro runs (batch of
 * utterances × tokens or frames).
 *
 * <p>Run: java -cp ... dev.kokoro.cuda.KernelBench [--quick] [--reps N] [--warmup N] [--warm-l2] [--only NAME-SUBSTRING]
 * [--bs 1,16] [--ts 64,512]   (--quick: B 1, 16 × T 64, 512; the full run takes 12 s on an H100, 48 s on a fresh machine
 * where the driver first compiles the PTX)
 */
public final class KernelBench {
    static final int[] BS = {1, 4, 8, 16, 32}, TS = {32, 64, 128, 256, 512};
    static final int[] QUICK_BS = {1, 16}, QUICK_TS = {64, 512};
    static final int D_MODEL = 640, D_INNER = 1280, D_STATE = 16, D_CONV = 4, H = LstmCuda.HIDDEN, C_NORM = 512;
    static final long SPIN_NS = 200_000;

    private final CudaContext c = Cuda.context();
    private final int reps, warmup;
    private final boolean flushL2;
    private CeilingsCuda.Ceilings ceil;
    private CudaTensor flushBuf, sink;
    private final List<String> summary = new ArrayList<>();
    private int nonFiniteOutputs;

    KernelBench(int reps, int warmup, boolean flushL2) {
        this.reps = reps;
        this.warmup = warmup;
        this.flushL2 = flushL2;
    }

    public static void main(String[] args) {
        boolean quick = false, warmL2 = false;
        int reps = 20, warmup = 5;
        String only = null;
        int[] bsArg = null, tsArg = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--warm-l2" -> warmL2 = true;
                case "--only" -> only = args[++i];
                case "--bs" -> bsArg = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--ts" -> tsArg = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                default -> throw new IllegalArgumentException("KernelBench: unknown argument " + args[i]
                        + " (have --quick, --reps N, --warmup N, --warm-l2, --only NAME-SUBSTRING, --bs B,B,.., --ts T,T,..)");
            }
        }
        if (!Cuda.isAvailable()) {
            System.out.println("no GPU: " + Cuda.unavailableReason());
            return;
        }
        long t0 = System.nanoTime();
        KernelBench kb = new KernelBench(reps, warmup, !warmL2);
        kb.run(bsArg != null ? bsArg : quick ? QUICK_BS : BS, tsArg != null ? tsArg : quick ? QUICK_TS : TS, only);
        System.out.printf("%nKernelBench done in %.1f s (%s, %d repeats after %d warm-ups, L2 %s); outputs with NaN/Inf: %d%n",
                (System.nanoTime() - t0) / 1e9, quick ? "quick" : "full", reps, warmup, kb.flushL2 ? "flushed" : "warm", kb.nonFiniteOutputs);
    }

    void run(int[] bs, int[] ts, String only) {
        System.out.println("# Kernel micro-benchmarks at Kokoro shapes");
        System.out.println("device: " + c + ", " + java.time.LocalDate.now() + ", Java " + Runtime.version());
        ceil = CeilingsCuda.measure(20);
        System.out.println();
        System.out.println("| ceiling (measured, median of 20) | value |");
        System.out.println("|---|---|");
        System.out.printf("| memory bandwidth (out = 2·in, 2 × 512 MiB, read + write; best of the three below) | %.0f GB/s |%n", ceil.gbPerS());
        System.out.printf("| … ceil_scale (one float4 per thread) | %.0f GB/s |%n", ceil.scaleGBs());
        System.out.printf("| … ceil_scale4 (4 float4 loads in flight per thread) | %.0f GB/s |%n", ceil.scale4GBs());
        System.out.printf("| … cuMemcpyDtoD, same size | %.0f GB/s |%n", ceil.memcpyGBs());
        System.out.printf("| FP32 FMA peak (register FMA chains) | %.1f TFLOP/s |%n", ceil.fp32Tflops());
        System.out.printf("| TF32 tensor-core peak (register mma.sync m16n8k8 chains, best of 4 and 8 blocks per SM) | %.1f TFLOP/s |%n", ceil.tf32Tflops());
        flushBuf = CudaTensor.empty(64 << 20);  // 256 MiB, five times the H100's 50 MB L2
        sink = CudaTensor.zeros(1);
        CeilingsCuda.rand(flushBuf, 99, 1f, 0f);
        for (Kernel k : kernels()) {
            if (only != null && !k.name.toLowerCase().contains(only.toLowerCase())) continue;
            table(k, bs, ts);
            c.allocator().releaseCached();
        }
        System.out.println();
        System.out.println("## Summary: the largest shape (B" + bs[bs.length - 1] + " T" + ts[ts.length - 1] + ") and the worst ratio over all shapes");
        System.out.println();
        System.out.println("| kernel | peak | fwd ms | fwd × floor (bound) | bwd ms | bwd × floor (bound) | worst fwd × floor | worst bwd × floor |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        summary.forEach(System.out::println);
    }

    // ---- one kernel's table
    /** One pass at one shape: the op (returns what it produced, closed after), minimal bytes and FLOPs. */
    record Pass(Supplier<AutoCloseable> op, double bytes, double flops) {}

    /** A kernel: name, shape note, formulas (printed), peak (true: TF32 tensor cores, false: FP32 FMA), and a maker of {fwd, bwd} at (B, T). */
    record Kernel(String name, String shapes, String bytesNote, String flopsNote, boolean tf32, Maker make) {}

    interface Maker { Pass[] make(Inputs in, int b, int t); }

    void table(Kernel k, int[] bs, int[] ts) {
        double peak = k.tf32 ? ceil.tf32Tflops() : ceil.fp32Tflops();
        System.out.println();
        System.out.println("### " + k.name);
        System.out.println();
        System.out.println(k.shapes + ". Bytes: " + k.bytesNote + ". FLOPs: " + k.flopsNote + ". Peak: "
                + (k.tf32 ? "TF32 mma.sync" : "FP32 FMA") + String.format(" %.1f TFLOP/s, bandwidth %.0f GB/s.", peak, ceil.gbPerS()));
        System.out.println();
        System.out.println("| B | T | fwd ms | GB/s | % BW | TFLOP/s | % peak | × floor | bwd ms | GB/s | % BW | TFLOP/s | % peak | × floor |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        double worstF = 0, worstB = 0;
        String lastF = "", lastB = "";
        float lastFms = 0, lastBms = 0;
        List<String> spread = new ArrayList<>();
        for (int b : bs) {
            for (int t : ts) {
                try (Inputs in = new Inputs()) {
                    Pass[] p = k.make.make(in, b, t);
                    float[] ft = time(k.name + " fwd B" + b + " T" + t, p[0]), bt = time(k.name + " bwd B" + b + " T" + t, p[1]);
                    float fms = ft[0], bms = bt[0];
                    for (float[] x : new float[][] {ft, bt})
                        if (x[0] > 1.3f * x[1]) spread.add(String.format("B%d T%d %s: min %.4f, median %.4f, max %.4f ms", b, t, x == ft ? "fwd" : "bwd", x[1], x[0], x[2]));
                    double[] f = stats(p[0], fms, peak), g = stats(p[1], bms, peak);
                    System.out.printf("| %d | %d | %s | %s |%n", b, t, cells(fms, f), cells(bms, g));
                    worstF = Math.max(worstF, f[4]);
                    worstB = Math.max(worstB, g[4]);
                    lastF = String.format("%.1f (%s)", f[4], f[5] > 0 ? "memory" : "compute");
                    lastB = String.format("%.1f (%s)", g[4], g[5] > 0 ? "memory" : "compute");
                    lastFms = fms;
                    lastBms = bms;
                }
            }
        }
        if (!spread.isEmpty()) System.out.println("\nSpread (median > 1.3 × min over the repeats): " + String.join("; ", spread));
        summary.add(String.format("| %s | %s | %.4f | %s | %.4f | %s | %.1f | %.1f |", k.name, k.tf32 ? "TF32" : "FP32", lastFms, lastF, lastBms, lastB, worstF, worstB));
    }

    /** {GB/s, % BW, TFLOP/s, % peak, × floor, memory-bound (1) or compute-bound (0)}. */
    double[] stats(Pass p, float ms, double peakTflops) {
        double s = ms * 1e-3, gbs = p.bytes / s / 1e9, tf = p.flops / s / 1e12;
        double memMs = p.bytes / (ceil.gbPerS() * 1e9) * 1e3, flopMs = p.flops / (peakTflops * 1e12) * 1e3;
        return new double[] {gbs, 100 * gbs / ceil.gbPerS(), tf, 100 * tf / peakTflops, ms / Math.max(memMs, flopMs), memMs >= flopMs ? 1 : 0};
    }

    static String cells(float ms, double[] s) {
        return String.format("%.4f | %.0f | %.1f | %.3f | %.2f | %.1f", ms, s[0], s[1], s[2], s[3], s[4]);
    }

    /** NaN/Inf check of every output once (fresh blocks poisoned), then warm-up, then event-timed repeats: {median, min, max} ms. */
    float[] time(String what, Pass p) {
        c.allocator().setPoison(true);
        try (AutoCloseable r = p.op.get()) {
            for (Object[] o : outputs("", r, new ArrayList<>())) {
                long bad = CeilingsCuda.countNonFinite((CudaTensor) o[1]);
                if (bad > 0) {
                    nonFiniteOutputs++;
                    System.out.println("NON-FINITE: " + what + ": " + bad + " of " + ((CudaTensor) o[1]).numel() + " values of output " + o[0]);
                }
            }
        } catch (Exception e) {
            throw new RuntimeException(what + ": " + e, e);
        } finally {
            c.allocator().setPoison(false);
        }
        Runnable call = () -> {
            try (AutoCloseable r = p.op.get()) {
                // closed at once: blocks go back to the cache, stream-ordered
            } catch (Exception e) {
                throw new RuntimeException(what + ": " + e, e);
            }
        };
        for (int i = 0; i < warmup; i++) call.run();
        c.synchronize();
        float[] t = new float[reps];
        for (int i = 0; i < reps; i++) {
            if (flushL2) CeilingsCuda.flush(flushBuf, sink);
            CeilingsCuda.spin(SPIN_NS);
            t[i] = c.time(call);
        }
        Arrays.sort(t);
        return new float[] {t[reps / 2], t[0], t[reps - 1]};
    }

    /** (name, tensor) pairs of a result: a CudaTensor, or the CudaTensor / CudaTensor[] / nested-record components of a record. */
    static List<Object[]> outputs(String name, Object r, List<Object[]> acc) {
        if (r instanceof CudaTensor t) acc.add(new Object[] {name.isEmpty() ? "out" : name, t});
        else if (r instanceof CudaTensor[] a) for (int i = 0; i < a.length; i++) outputs(name + "[" + i + "]", a[i], acc);
        else if (r != null && r.getClass().isRecord()) {
            for (RecordComponent rc : r.getClass().getRecordComponents()) {
                try {
                    outputs(name.isEmpty() ? rc.getName() : name + "." + rc.getName(), rc.getAccessor().invoke(r), acc);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("reading " + rc + ": " + e, e);
                }
            }
        }
        return acc;
    }

    /** Several outputs of one pass. */
    record Outs(CudaTensor[] ts) implements AutoCloseable {
        @Override public void close() { for (CudaTensor t : ts) t.close(); }
    }

    /** The inputs (and saved forward results) of one shape, closed together. */
    static final class Inputs implements AutoCloseable {
        private final List<AutoCloseable> owned = new ArrayList<>();
        private int seed = 1;

        /** offset + scale·U(-1, 1), made on the device. */
        CudaTensor randOff(float scale, float offset, int... shape) {
            CudaTensor t = CudaTensor.empty(shape);
            CeilingsCuda.rand(t, seed++, scale, offset);
            owned.add(t);
            return t;
        }

        CudaTensor rand(float scale, int... shape) { return randOff(scale, 0f, shape); }

        <T extends AutoCloseable> T keep(T t) {
            owned.add(t);
            return t;
        }

        @Override public void close() {
            for (int i = owned.size() - 1; i >= 0; i--) {
                try {
                    owned.get(i).close();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }
        }
    }

    // ---- the kernels, each with its byte and FLOP counts
    static List<Kernel> kernels() {
        int d = D_INNER, n = D_STATE;
        return List.of(
            // Selective scan (mamba-ssm selective_scan_fn with z, D, delta_bias, softplus): u, delta, z [B, D, T]; A [D, N];
            // B, C [B, N, T]; D, bias [D]. fwd = forwardSeq (inference: no states saved).
            //   bytes fwd = 4·(4·BDT + 2·BNT + DN + 2D)  (read u, delta, z, B, C, A, D, bias; write out)
            //   FLOPs fwd = BDT·(9N + 2)  (mamba-ssm's count: per state δ·A, exp, δ·u·B, h = dA·h + ·, y += C·h; + D skip, z gate)
            // bwd = backward given the states saved by forwardForBackward ([B, T/16, N, D]).
            //   bytes bwd = 4·(7·BDT + 4·BNT + B·ceil(T/16)·N·D + 2DN + 4D)  (read u, delta, z, dout, B, C, states, A, D, bias;
            //               write du, ddelta, dz, dB, dC, dA, dD, dbias)
            //   FLOPs bwd = BDT·(20N + 10)  (the forward's state recomputed within each chunk, then the adjoint: dh, dB, dC, ddelta, dA)
            new Kernel("Selective scan (SelectiveScanCuda, seq kernels)", "u, delta, z [B, 1280, T], N 16, with z, D, delta_bias, softplus; bwd given the saved chunk states",
                    "fwd 4(4BDT + 2BNT + DN + 2D), bwd 4(7BDT + 4BNT + B·T/16·N·D + 2DN + 4D)", "fwd BDT(9N + 2), bwd BDT(20N + 10)", false,
                    (in, b, t) -> {
                        CudaTensor u = in.rand(1, b, d, t), delta = in.rand(0.5f, b, d, t), z = in.rand(1, b, d, t);
                        CudaTensor A = in.keep(CudaTensor.upload(ScanBench.negA(d, n), d, n)), B = in.rand(1, b, n, t), C = in.rand(1, b, n, t);
                        CudaTensor D = in.rand(1, d), bias = in.rand(0.3f, d), dout = in.rand(1, b, d, t);
                        SelectiveScanCuda.Saved saved = in.keep(SelectiveScanCuda.forwardForBackward(u, delta, A, B, C, D, z, bias, true));
                        double bdt = (double) b * d * t, bnt = (double) b * n * t;
                        return new Pass[] {
                            new Pass(() -> SelectiveScanCuda.forwardSeq(u, delta, A, B, C, D, z, bias, true, null),
                                    4 * (4 * bdt + 2 * bnt + d * n + 2 * d), bdt * (9 * n + 2)),
                            new Pass(() -> SelectiveScanCuda.backward(u, delta, A, B, C, D, z, bias, true, dout, saved.states()),
                                    4 * (7 * bdt + 4 * bnt + (double) b * SelectiveScanCuda.nchunk(t) * n * d + 2 * d * n + 4 * d), bdt * (20 * n + 10))};
                    }),
            // Causal depthwise conv1d with fused SiLU: x [B, D, T], w [D, K], bias [D].
            //   bytes fwd = 4·(2·BDT + DK + D)            FLOPs fwd = BDT·(2K + 5)  (K taps, bias, SiLU counted as 4)
            //   bytes bwd = 4·(3·BDT + 2·DK + 2·D)        (read x, dout, w, bias; write dx, dw, dbias)
            //   FLOPs bwd = BDT·(6K + 8)  (pre-activation recomputed, SiLU', dx taps, dw taps, dbias)
            new Kernel("Causal depthwise conv1d + SiLU (CausalConv1dCuda)", "x [B, 1280, T], K 4, bias, SiLU fused",
                    "fwd 4(2BDT + DK + D), bwd 4(3BDT + 2DK + 2D)", "fwd BDT(2K + 5), bwd BDT(6K + 8)", false,
                    (in, b, t) -> {
                        int k = D_CONV;
                        CudaTensor x = in.rand(1, b, d, t), w = in.rand(0.5f, d, k), bias = in.rand(0.5f, d), dout = in.rand(1, b, d, t);
                        double bdt = (double) b * d * t;
                        return new Pass[] {
                            new Pass(() -> CausalConv1dCuda.forward(x, w, bias, true), 4 * (2 * bdt + d * k + d), bdt * (2 * k + 5)),
                            new Pass(() -> CausalConv1dCuda.backward(x, w, bias, true, dout), 4 * (3 * bdt + 2 * d * k + 2 * d), bdt * (6 * k + 8))};
                    }),
            // Bidirectional LSTM, In 640 -> 2 × 256 (PyTorch layout, all items full length, FP32). x [B, T, In].
            //   bytes fwd = 4·(BT·In + 2·(4H·In + 4H·H + 8H) + BT·2H + 2·BT·(4H + 2H))
            //               (read x and both directions' weights and biases; write out and the saved gates, cells, h_prev)
            //   FLOPs fwd = 2 dirs · BT · 2·4H·(In + H)   (input projection + recurrence; the ~30H gate flops per step, < 2%, not counted)
            //   bytes bwd = 4·(BT·In + BT·2H + 2·(4H·In + 4H·H) + 2·BT·(4H + 2H) + BT·In + 2·(4H·In + 4H·H + 4H))
            //               (read x, dout, weights, saved gates/cells/h_prev; write dx, dW_ih, dW_hh, dbias)
            //   FLOPs bwd = 2 dirs · BT · 2·4H·(2·In + 2·H)  (dh through W_hh, dx through W_ih, dW_ih, dW_hh): twice the forward's
            new Kernel("BiLSTM 640 -> 2x256 (LstmCuda)", "x [B, T, 640], H 256, both directions, every item full length, FP32",
                    "fwd 4(BT·In + 2(4H·In + 4H·H + 8H) + 2H·BT + 2·6H·BT), bwd 4(2BT·In + 2H·BT + 4(4H·In + 4H·H) + 8H + 2·6H·BT)",
                    "fwd 2·BT·8H(In + H), bwd 2·BT·8H(2In + 2H)", false,
                    (in, b, t) -> {
                        int i0 = D_MODEL, g4 = 4 * H;
                        float kk = (float) (1 / Math.sqrt(H));
                        CudaTensor x = in.rand(1, b, t, i0), dy = in.rand(1, b, t, 2 * H);
                        LstmCuda.Direction f = new LstmCuda.Direction(in.rand(kk, g4, i0), in.rand(kk, g4, H), in.rand(kk, g4), in.rand(kk, g4));
                        LstmCuda.Direction r = new LstmCuda.Direction(in.rand(kk, g4, i0), in.rand(kk, g4, H), in.rand(kk, g4), in.rand(kk, g4));
                        LstmCuda.Result saved = in.keep(LstmCuda.forward(x, null, f, r));
                        double bt = (double) b * t, w = 4.0 * H * i0 + 4.0 * H * H;
                        return new Pass[] {
                            new Pass(() -> LstmCuda.forward(x, null, f, r), 4 * (bt * i0 + 2 * (w + 8 * H) + bt * 2 * H + 2 * bt * 6 * H),
                                    2 * bt * 8 * H * (i0 + H)),
                            new Pass(() -> LstmCuda.backward(x, f, r, saved, dy, true, true),
                                    4 * (2 * bt * i0 + bt * 2 * H + 4 * w + 8 * H + 2 * bt * 6 * H), 2 * bt * 8 * H * (2.0 * i0 + 2 * H))};
                    }),
            // AdaLayerNorm (Kokoro's DurationEncoder, C 512): x [B, T, C]; gamma, beta [B, C]; out = (1 + gamma)·LN(x) + beta.
            //   bytes fwd = 4·(2·BTC + 2·BC + 2·BT)  (read x, gamma, beta; write out, mean, rstd)       FLOPs fwd = 8·BTC
            //   bytes bwd = 4·(3·BTC + 3·BC + 2·BT)  (read x, dout, gamma, mean, rstd; write dx, dgamma, dbeta)  FLOPs bwd = 12·BTC
            new Kernel("AdaLayerNorm C 512 (LayerNormCuda.adaLayerNorm)", "x [B, T, 512], gamma/beta [B, 512] (DurationEncoder)",
                    "fwd 4(2BTC + 2BC + 2BT), bwd 4(3BTC + 3BC + 2BT)", "fwd 8BTC, bwd 12BTC", false,
                    (in, b, t) -> {
                        int ch = C_NORM;
                        CudaTensor x = in.randOff(1, 0.2f, b, t, ch), g = in.rand(0.3f, b, ch), be = in.rand(0.3f, b, ch), dout = in.rand(1, b, t, ch);
                        LayerNormCuda.Result saved = in.keep(LayerNormCuda.adaLayerNorm(x, g, be, 1e-5f));
                        double btc = (double) b * t * ch;
                        return new Pass[] {
                            new Pass(() -> LayerNormCuda.adaLayerNorm(x, g, be, 1e-5f), 4 * (2 * btc + 2.0 * b * ch + 2.0 * b * t), 8 * btc),
                            new Pass(() -> LayerNormCuda.adaLayerNormBackward(x, g, saved, dout), 4 * (3 * btc + 3.0 * b * ch + 2.0 * b * t), 12 * btc)};
                    }),
            // LayerNorm over d_model 640: x [B, T, C]; weight, bias [C].
            //   bytes fwd = 4·(2·BTC + 2·C + 2·BT)   FLOPs fwd = 8·BTC
            //   bytes bwd = 4·(3·BTC + 3·C + 2·BT)   (read x, dout, weight, mean, rstd; write dx, dweight, dbias)  FLOPs bwd = 12·BTC
            new Kernel("LayerNorm C 640 (LayerNormCuda.layerNorm)", "x [B, T, 640], weight/bias [640]",
                    "fwd 4(2BTC + 2C + 2BT), bwd 4(3BTC + 3C + 2BT)", "fwd 8BTC, bwd 12BTC", false,
                    (in, b, t) -> {
                        int ch = D_MODEL;
                        CudaTensor x = in.randOff(1, 0.2f, b, t, ch), g = in.randOff(0.1f, 1f, ch), be = in.rand(0.1f, ch), dout = in.rand(1, b, t, ch);
                        LayerNormCuda.Result saved = in.keep(LayerNormCuda.layerNorm(x, g, be, 1e-5f));
                        double btc = (double) b * t * ch;
                        return new Pass[] {
                            new Pass(() -> LayerNormCuda.layerNorm(x, g, be, 1e-5f), 4 * (2 * btc + 2.0 * ch + 2.0 * b * t), 8 * btc),
                            new Pass(() -> LayerNormCuda.layerNormBackward(x, g, be, saved, dout), 4 * (3 * btc + 3.0 * ch + 2.0 * b * t), 12 * btc)};
                    }),
            // AdaIN1d (F0/N blocks, C 512): x [B, C, T]; gamma, beta [B, C]; the norm's weight, bias [C].
            //   bytes fwd = 4·(2·BCT + 4·BC + 2·C)  (read x, gamma, beta, weight, bias; write out, mean, rstd)   FLOPs fwd = 9·BCT
            //   bytes bwd = 4·(3·BCT + 4·BC + 4·C)  (read x, dout, gamma, beta, weight, bias; write dx, dgamma, dbeta, dweight, dbias)
            //   FLOPs bwd = 14·BCT  (statistics recomputed, then dx and the per-row sums)
            new Kernel("AdaIN1d C 512 (InstanceNormCuda.adaIN1d)", "x [B, 512, T], gamma/beta [B, 512], norm weight/bias [512]; bwd: every gradient",
                    "fwd 4(2BCT + 4BC + 2C), bwd 4(3BCT + 4BC + 4C)", "fwd 9BCT, bwd 14BCT", false,
                    (in, b, t) -> {
                        int ch = C_NORM;
                        CudaTensor x = in.randOff(1, 0.2f, b, ch, t), g = in.rand(0.3f, b, ch), be = in.rand(0.3f, b, ch);
                        CudaTensor w = in.randOff(0.1f, 1f, ch), nb = in.rand(0.1f, ch), dout = in.rand(1, b, ch, t);
                        InstanceNormCuda.Result saved = in.keep(InstanceNormCuda.adaIN1d(x, g, be, w, nb, 1e-5f));
                        double bct = (double) b * ch * t;
                        return new Pass[] {
                            new Pass(() -> InstanceNormCuda.adaIN1d(x, g, be, w, nb, 1e-5f), 4 * (2 * bct + 4.0 * b * ch + 2.0 * ch), 9 * bct),
                            new Pass(() -> InstanceNormCuda.adaIN1dBackward(x, g, be, w, nb, saved, dout, true, true, true),
                                    4 * (3 * bct + 4.0 * b * ch + 4.0 * ch), 14 * bct)};
                    }),
            // Matrix products at Mamba(640)'s projections, M = B·T rows: fwd y = x·Wᵀ; bwd dX = dY·W and dW = dYᵀ·X.
            //   bytes fwd = 4·(MK + NK + MN); bwd = twice that (each product reads two operands, writes one)
            //   FLOPs fwd = 2·MNK; bwd = 4·MNK
            matmul("TF32 matmul in_proj 640 -> 2560 (MatmulCuda)", 2 * D_INNER, D_MODEL, true),
            matmul("TF32 matmul out_proj 1280 -> 640 (MatmulCuda)", D_MODEL, D_INNER, true),
            matmul("FP32 sgemm in_proj 640 -> 2560 (TensorOpsCuda.sgemm)", 2 * D_INNER, D_MODEL, false),
            matmul("FP32 sgemm out_proj 1280 -> 640 (TensorOpsCuda.sgemm)", D_MODEL, D_INNER, false),
            // Conv1d 512 -> 512, K 5, padding 2 (Kokoro's text encoder), x [B, Cin, T], TF32 tensor cores.
            //   bytes fwd = 4·(B·Cin·T + Cout·Cin·K + Cout + B·Cout·T)                 FLOPs fwd = 2·B·Cout·Cin·K·T
            //   bytes bwd = 4·(B·Cout·T + Cout·Cin·K + B·Cin·T + B·Cin·T + Cout·Cin·K + Cout)
            //               (read gy, w, x; write dx, dw, dbias)                           FLOPs bwd = 4·B·Cout·Cin·K·T + B·Cout·T
            new Kernel("Conv1d 512 -> 512 K5 (Conv1dCuda, text encoder)", "x [B, 512, T], padding 2, bias; TF32 tensor cores; bwd: dx, dw, dbias",
                    "fwd 4(B·Cin·T + Cout·Cin·K + Cout + B·Cout·T), bwd 4(B·Cout·T + 2·Cout·Cin·K + 2·B·Cin·T + Cout)",
                    "fwd 2B·Cout·Cin·K·T, bwd 4B·Cout·Cin·K·T + B·Cout·T", true,
                    (in, b, t) -> {
                        int ci = 512, co = 512, k = 5;
                        CudaTensor x = in.rand(1, b, ci, t), w = in.rand(0.05f, co, ci, k), bias = in.rand(0.1f, co), gy = in.rand(1, b, co, t);
                        double wn = (double) co * ci * k, mac = (double) b * co * ci * k * t;
                        return new Pass[] {
                            new Pass(() -> Conv1dCuda.conv1d(x, w, bias, 1, 2, 1, 1), 4 * ((double) b * ci * t + wn + co + (double) b * co * t), 2 * mac),
                            new Pass(() -> Conv1dCuda.backward(x, w, gy, true, true, true, 1, 2, 1, 1),
                                    4 * ((double) b * co * t + 2 * wn + 2.0 * b * ci * t + co), 4 * mac + (double) b * co * t)};
                    }));
    }

    /** y [B·T, N] = x [B·T, K] · W [N, K]ᵀ on TF32 (MatmulCuda.gemm) or FP32 (TensorOpsCuda.sgemm, CudaBackend's FP32 path). */
    static Kernel matmul(String name, int nOut, int kIn, boolean tf32) {
        return new Kernel(name, "x [B·T, " + kIn + "] · W [" + nOut + ", " + kIn + "]ᵀ; bwd: dX = dY·W and dW = dYᵀ·X",
                "fwd 4(MK + NK + MN), bwd twice that", "fwd 2MNK, bwd 4MNK", tf32,
                (in, b, t) -> {
                    int m = b * t, nn = nOut, k = kIn;
                    CudaTensor x = in.rand(1, m, k), w = in.rand(0.05f, nn, k), dy = in.rand(1, m, nn);
                    double bytes = 4.0 * ((double) m * k + (double) nn * k + (double) m * nn), flops = 2.0 * m * nn * k;
                    return new Pass[] {
                        new Pass(() -> {
                            CudaTensor y = CudaTensor.empty(m, nn);
                            gemm(tf32, x, w, y, m, nn, k, false, true);
                            return y;
                        }, bytes, flops),
                        new Pass(() -> {
                            CudaTensor dx = CudaTensor.empty(m, k), dw = CudaTensor.empty(nn, k);
                            gemm(tf32, dy, w, dx, m, k, nn, false, false);
                            gemm(tf32, dy, x, dw, nn, k, m, true, false);
                            return new Outs(new CudaTensor[] {dx, dw});
                        }, 2 * bytes, 2 * flops)};
                });
    }

    static void gemm(boolean tf32, CudaTensor a, CudaTensor b, CudaTensor out, int m, int n, int k, boolean ta, boolean tb) {
        if (tf32) MatmulCuda.gemm(a, b, out, m, n, k, ta, tb, 1, 0, 0, 0, 1f, 0f);
        else TensorOpsCuda.sgemm(a.buffer(), b.buffer(), out.buffer(), m, n, k, ta, tb, 1, 0, 0, 0, 1f, 0f);
    }
}
