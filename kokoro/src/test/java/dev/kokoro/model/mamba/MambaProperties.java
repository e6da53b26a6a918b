package dev.kokoro.model.mamba;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.nn.Param;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Mamba and MambaDurationEncoder: initialisation, gradients (float64), float32 vs float64, masking. */
class MambaProperties {

    @Test
    void initialisationFollowsMambaSsm() {
        Mamba m = new Mamba(40);
        m.initRandom(new SplittableRandom(5));
        assertEquals(3, m.dtRank);
        assertEquals(80, m.dInner);
        var p = m.namedParams();
        // PyTorch's named_parameters order: own parameters, then children
        assertEquals(List.of("A_log", "D", "in_proj.weight", "conv1d.weight", "conv1d.bias", "x_proj.weight", "dt_proj.weight",
                "dt_proj.bias", "out_proj.weight"), new ArrayList<>(p.keySet()));
        assertEquals(List.of(160, 40), List.of(p.get("in_proj.weight").shape()[0], p.get("in_proj.weight").shape()[1]));
        assertEquals(3 + 32, p.get("x_proj.weight").shape()[0]);
        assertEquals(4, p.get("conv1d.weight").shape()[2]);
        for (int c = 0; c < 80; c++) {
            for (int n = 0; n < 16; n++) assertEquals(Math.log(n + 1), p.get("A_log").get().get(c, n), 1e-6);
            assertEquals(1.0, p.get("D").get().getFlat(c));
            double dt = Math.log1p(Math.exp(p.get("dt_proj.bias").get().getFlat(c)));
            assertTrue(dt >= 1e-3 * 0.999 && dt <= 1e-1 * 1.001, "softplus(dt bias) = " + dt);
        }
        assertBound(p.get("dt_proj.weight"), Math.pow(3, -0.5));
        assertBound(p.get("conv1d.weight"), 0.5);
        assertBound(p.get("conv1d.bias"), 0.5);
        assertBound(p.get("in_proj.weight"), 1 / Math.sqrt(40));
        assertBound(p.get("x_proj.weight"), 1 / Math.sqrt(80));
        assertBound(p.get("out_proj.weight"), 1 / Math.sqrt(80));
    }

    /** All values within ±bound and spread over most of it. */
    private static void assertBound(Param p, double bound) {
        double max = 0;
        for (int i = 0, n = p.get().numel(); i < n; i++) max = Math.max(max, Math.abs(p.get().getFlat(i)));
        assertTrue(max <= bound && max > 0.8 * bound, "max |w| " + max + " for bound " + bound);
    }

    private static Mamba randomMamba(int dModel, long seed) {
        Mamba m = new Mamba(dModel);
        m.initRandom(new SplittableRandom(seed));
        // larger dt and a less trivial state than the initial ones, so every path carries gradient
        SplittableRandom rng = new SplittableRandom(seed + 1);
        for (Param p : List.of(m.dtProj.bias, m.d)) for (int i = 0; i < p.get().numel(); i++) p.get().setFlat(i, rng.nextDouble() - 0.5);
        m.to(DType.F64);
        m.requiresGrad(true);
        return m;
    }

    @Property(tries = 6)
    void mambaGradientsMatchCentralDifferences(@ForAll @IntRange(min = 1, max = 2) int b, @ForAll @IntRange(min = 1, max = 6) int l,
                                               @ForAll @IntRange(min = 2, max = 5) int dModel, @ForAll long seed) {
        Mamba m = randomMamba(dModel, seed);
        List<Tensor> in = new ArrayList<>();
        in.add(GradCheck.param(new SplittableRandom(seed + 2), b, l, dModel));
        for (Param p : m.namedParams().values()) in.add(p.get());
        Function<Tensor[], Tensor> f = t -> m.forward(t[0]);
        double err = GradCheck.relError(f, in.toArray(Tensor[]::new));
        assertTrue(err < 1e-6, "relative error " + err);
    }

    @Property(tries = 6)
    void encoderMatchesExplicitConcatenationAndHasRightGradients(
            @ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 1, max = 7) int t,
            @ForAll @IntRange(min = 1, max = 4) int hidden, @ForAll @IntRange(min = 1, max = 3) int style, @ForAll long seed) {
        MambaDurationEncoder enc = new MambaDurationEncoder(hidden, style);
        SplittableRandom rng = new SplittableRandom(seed);
        enc.initRandom(rng);
        enc.to(DType.F64);
        enc.requiresGrad(true);
        Tensor x = GradCheck.param(rng, b, hidden, t), s = GradCheck.param(rng, b, style);
        int[] lengths = new int[b];
        for (int i = 0; i < b; i++) lengths[i] = i == 0 ? t : 1 + rng.nextInt(t);

        // the fixture's MambaDurationEncoder, written out: cat([xᵀ, s]), zero padded steps, Mamba, zero again
        Tensor cat = Tensor.zeros(DType.F64, b, t, hidden + style);
        for (int i = 0; i < b; i++)
            for (int j = 0; j < lengths[i]; j++) {
                for (int h = 0; h < hidden; h++) cat.setFlat((i * t + j) * (hidden + style) + h, x.get(i, h, j));
                for (int k = 0; k < style; k++) cat.setFlat((i * t + j) * (hidden + style) + hidden + k, s.get(i, k));
            }
        Tensor want = Autograd.noGrad(() -> enc.mamba.forward(cat));
        Tensor got = Autograd.noGrad(() -> enc.forward(x, s, lengths));
        assertEquals(List.of(b, t, hidden + style), List.of(got.size(0), got.size(1), got.size(2)));
        for (int i = 0; i < b; i++)
            for (int j = 0; j < t; j++)
                for (int c = 0; c < hidden + style; c++) {
                    double g = got.get(i, j, c);
                    if (j >= lengths[i]) assertEquals(0.0, g);
                    else assertEquals(want.get(i, j, c), g, 1e-12 * (1 + Math.abs(g)));
                }

        List<Tensor> in = new ArrayList<>(List.of(x, s));
        for (Param p : enc.namedParams().values()) in.add(p.get());
        Function<Tensor[], Tensor> f = a -> enc.forward(a[0], a[1], lengths);
        assertTrue(GradCheck.relError(f, in.toArray(Tensor[]::new)) < 1e-6);
    }

    @Test
    void float32EncoderAgreesWithFloat64() {
        MambaDurationEncoder e64 = new MambaDurationEncoder(24, 8), e32 = new MambaDurationEncoder(24, 8);
        e64.initRandom(new SplittableRandom(9));
        e32.initRandom(new SplittableRandom(9));
        e64.to(DType.F64);
        SplittableRandom rng = new SplittableRandom(10);
        Tensor x = Tensor.randn(rng, DType.F64, 2, 24, 30), s = Tensor.randn(rng, DType.F64, 2, 8);
        int[] lengths = {30, 17};
        Tensor y64 = e64.forward(x, s, lengths), y32 = e32.forward(x.to(DType.F32), s.to(DType.F32), lengths);
        assertTrue(y32.dtype == DType.F32);
        assertTrue(GradCheck.relL2(y32, y64) < 1e-5, "rel L2 " + GradCheck.relL2(y32, y64));
    }
}
