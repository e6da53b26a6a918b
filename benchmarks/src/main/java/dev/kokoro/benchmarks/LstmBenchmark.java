package dev.kokoro.benchmarks;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Lstm;
import dev.kokoro.engine.Tensor;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** float32 bidirectional LSTM 640 → 2×256 (Kokoro's text encoder / prosody LSTMs), batch 1: forward, and forward + backward. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LstmBenchmark {
    static final int IN = 640, H = 256;

    @Param({"128", "512"})
    public int t;

    Tensor x;
    Lstm.Direction fw, bw;

    @Setup
    public void setup() {
        SplittableRandom rng = new SplittableRandom(3);
        x = Tensor.randn(rng, DType.F32, 1, t, IN).requiresGrad(true);
        fw = direction(rng);
        bw = direction(rng);
    }

    static Lstm.Direction direction(SplittableRandom rng) {
        return new Lstm.Direction(Tensor.randn(rng, DType.F32, 4 * H, IN).mul(0.05).detach().requiresGrad(true),
                Tensor.randn(rng, DType.F32, 4 * H, H).mul(0.05).detach().requiresGrad(true),
                Tensor.randn(rng, DType.F32, 4 * H).requiresGrad(true), Tensor.randn(rng, DType.F32, 4 * H).requiresGrad(true));
    }

    @Benchmark
    public Tensor bilstm_forward() {
        try (var g = dev.kokoro.engine.Autograd.disable()) {
            return Lstm.lstm(x, null, fw, bw);
        }
    }

    @Benchmark
    public Tensor bilstm_forward_backward() {
        x.zeroGrad();
        for (Lstm.Direction d : new Lstm.Direction[]{fw, bw}) {
            d.wIh().zeroGrad();
            d.wHh().zeroGrad();
            d.bIh().zeroGrad();
            d.bHh().zeroGrad();
        }
        Tensor y = Lstm.lstm(x, null, fw, bw);
        y.sum().backward();
        return x.grad();
    }
}
