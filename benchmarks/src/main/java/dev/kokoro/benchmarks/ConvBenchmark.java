package dev.kokoro.benchmarks;

import dev.kokoro.engine.Conv;
import dev.kokoro.engine.DType;
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

/**
 * float32 conv1d forward at Kokoro decoder shapes (batch 1). Shapes: "cin-cout-k-dilation-T".
 * decoder 1090→1024 k3 and 512→512 k3 over T=360 (decoder.encode / decode blocks), and a generator
 * resblock conv 256 ch k3 dilation 3 over T=7200. The score is convolutions per second; "gflop" is
 * GFLOP/s of the convolution's arithmetic (2·Cout·Cin·K·T).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ConvBenchmark {
    @Param({"1090-1024-3-1-360", "512-512-3-1-360", "256-256-3-3-7200"})
    public String shape;

    Tensor x, w, bias;
    int padding, dilation;
    double gflop;

    @Setup
    public void setup() {
        String[] p = shape.split("-");
        int cin = Integer.parseInt(p[0]), cout = Integer.parseInt(p[1]), k = Integer.parseInt(p[2]), t = Integer.parseInt(p[4]);
        dilation = Integer.parseInt(p[3]);
        padding = dilation * (k - 1) / 2;
        SplittableRandom rng = new SplittableRandom(1);
        x = Tensor.randn(rng, DType.F32, 1, cin, t);
        w = Tensor.randn(rng, DType.F32, cout, cin, k);
        bias = Tensor.randn(rng, DType.F32, cout);
        gflop = 2.0 * cout * cin * k * t / 1e9;
    }

    @Benchmark
    public Tensor conv1d(Flops f) {
        f.gflop += gflop;
        return Conv.conv1d(x, w, bias, 1, padding, dilation, 1);
    }
}
