package dev.kokoro.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Backward of the core ops against central differences (float64), forward float32 vs float64. */
class CoreOpsProperties {

    @Property(tries = 30)
    void broadcastingArithmetic(@ForAll @IntRange(min = 1, max = 4) int b, @ForAll @IntRange(min = 1, max = 5) int c,
                                @ForAll @IntRange(min = 1, max = 6) int t, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = GradCheck.param(rng, b, c, t);
        Tensor y = GradCheck.param(rng, c, 1);
        Tensor z = Tensor.rand(rng, DType.F64, 0.5, 2.0, t).requiresGrad(true);
        var f = (java.util.function.Function<Tensor[], Tensor>) in ->
                in[0].add(in[1]).mul(in[0]).sub(in[1].mul(3.0)).div(in[2]).add(0.5);
        assertTrue(GradCheck.relError(f, x, y, z) < 1e-6);
        assertTrue(GradCheck.f32VsF64(f, x, y, z) < 1e-5);
    }

    @Property(tries = 30)
    void matmulAndLinear(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 1, max = 7) int m,
                         @ForAll @IntRange(min = 1, max = 9) int k, @ForAll @IntRange(min = 1, max = 6) int n,
                         @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor a = GradCheck.param(rng, b, m, k), w = GradCheck.param(rng, k, n), bw = GradCheck.param(rng, b, k, n);
        Tensor lw = GradCheck.param(rng, n, k), lb = GradCheck.param(rng, n);
        var mm = (java.util.function.Function<Tensor[], Tensor>) in -> in[0].matmul(in[1]);
        assertTrue(GradCheck.relError(mm, a, w) < 1e-6);
        assertTrue(GradCheck.relError(mm, a, bw) < 1e-6);
        assertTrue(GradCheck.f32VsF64(mm, a, bw) < 1e-5);
        var lin = (java.util.function.Function<Tensor[], Tensor>) in -> Matmul.linear(in[0], in[1], in[2]);
        assertTrue(GradCheck.relError(lin, a, lw, lb) < 1e-6);
        assertTrue(GradCheck.f32VsF64(lin, a, lw, lb) < 1e-5);
    }

    @Property(tries = 30)
    void viewsAndReductions(@ForAll @IntRange(min = 1, max = 4) int a, @ForAll @IntRange(min = 2, max = 5) int b,
                            @ForAll @IntRange(min = 1, max = 6) int c, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = GradCheck.param(rng, a, b, c);
        var f = (java.util.function.Function<Tensor[], Tensor>) in -> {
            Tensor t = in[0].transpose(0, 2).slice(1, 1, in[0].size(1)).contiguous();
            Tensor s = t.sum(1, true).mul(t.mean(0, false).unsqueeze(0).sum());
            return s.reshape(-1).add(in[0].permute(2, 0, 1).expand(2, c, a, b).mean());
        };
        assertTrue(GradCheck.relError(f, x) < 1e-6);
    }

    @Property(tries = 25)
    void powPointwiseCopiesAndCasts(@ForAll @IntRange(min = 1, max = 5) int a, @ForAll @IntRange(min = 1, max = 6) int b, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = Tensor.rand(rng, DType.F64, 0.5, 2.0, a, b).requiresGrad(true);
        var f = (java.util.function.Function<Tensor[], Tensor>) in -> {
            Tensor p = Elementwise.pow(in[0], 1.7);
            Tensor q = Elementwise.pointwise(in[0].transpose(0, 1).contiguous(), Math::log1p, (v, y) -> 1 / (1 + v));
            return p.add(q.transpose(0, 1)).mul(in[0]);
        };
        assertTrue(GradCheck.relError(f, x) < 1e-6);
        assertTrue(GradCheck.f32VsF64(f, x) < 1e-5);
        Tensor y = Tensor.rand(rng, DType.F64, -1, 1, a, b).requiresGrad(true);
        y.to(DType.F32).mul(2.0).sum().backward(); // float32 branch: gradient comes back as float64
        assertEquals(DType.F64, y.grad().dtype);
        assertEquals(2.0, y.grad().getFlat(0), 1e-12);
    }

    @Test
    void frozenBranchesAreNotWalked() {
        SplittableRandom rng = new SplittableRandom(1);
        Tensor frozen = Tensor.randn(rng, DType.F32, 4, 4);
        Tensor trainable = Tensor.randn(rng, DType.F32, 4, 4).requiresGrad(true);
        Tensor h = frozen.matmul(frozen); // no node: nothing requires grad here
        assertTrue(h.isLeaf());
        Tensor loss = h.matmul(trainable).sum();
        loss.backward();
        assertNull(frozen.grad());
        assertEquals(16, trainable.grad().numel());
    }

    @Test
    void gradientsAccumulateAcrossBackwardCalls() {
        Tensor x = Tensor.of(new double[]{1, 2, 3}, 3).requiresGrad(true);
        x.mul(x).sum().backward();
        x.mul(x).sum().backward();
        assertEquals(8.0, x.grad().getFlat(1), 1e-12);
        try (var s = Autograd.disable()) {
            assertTrue(!x.mul(x).requiresGrad());
        }
    }
}
