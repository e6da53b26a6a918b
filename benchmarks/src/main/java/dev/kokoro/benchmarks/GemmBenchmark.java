package dev.kokoro.benchmarks;

import dev.kokoro.engine.Gemm;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * float32 GEMM at Kokoro's shape: [512, 1536] · [1536, 400], and the two products of its backward
 * (dA = dC · Bᵀ, dB = Aᵀ · dC). The "gflop" line of the results is GFLOP/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemmBenchmark {
    static final int M = 512, K = 1536, N = 400;
    static final double GFLOP = 2.0 * M * N * K / 1e9;
    float[] a, b, c, ga, gb;

    @Setup
    public void setup() {
        SplittableRandom rng = new SplittableRandom(42);
        a = rand(rng, M * K);
        b = rand(rng, K * N);
        c = rand(rng, M * N);
        ga = new float[M * K];
        gb = new float[K * N];
    }

    static float[] rand(SplittableRandom rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rng.nextDouble() * 2 - 1);
        return x;
    }

    /** C = A · B. */
    @Benchmark
    public float[] matmul_512x1536_1536x400(Flops f) {
        Gemm.f32(false, false, M, N, K, a, 0, K, b, 0, N, c, 0, N, false);
        f.gflop += GFLOP;
        return c;
    }

    /** dA = dC · Bᵀ: [512, 400] · [400, 1536]. */
    @Benchmark
    public float[] matmul_backward_dA(Flops f) {
        Gemm.f32(false, true, M, K, N, c, 0, N, b, 0, N, ga, 0, K, false);
        f.gflop += GFLOP;
        return ga;
    }

    /** dB = Aᵀ · dC: [1536, 512] · [512, 400]. */
    @Benchmark
    public float[] matmul_backward_dB(Flops f) {
        Gemm.f32(true, false, K, N, M, a, 0, K, c, 0, N, gb, 0, N, false);
        f.gflop += GFLOP;
        return gb;
    }
}
