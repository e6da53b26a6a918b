package dev.kokoro.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The strided fast paths (broadcasting arithmetic, contiguous(), copyFrom with dtype conversion) against
 * element-by-element index arithmetic via {@link Tensor#get(int...)}, on views (transposed, sliced,
 * expanded) and broadcast operands, with sizes around the vector length and rows long enough to be
 * cut into segments.
 */
class StridedProperties {

    /** A random view of shape [a, b, c] over a larger buffer: transposed and/or sliced. */
    static Tensor view(SplittableRandom rng, DType dt, int a, int b, int c) {
        int kind = rng.nextInt(4);
        Tensor base;
        switch (kind) {
            case 0 -> base = Tensor.randn(rng, dt, a, b, c);
            case 1 -> base = Tensor.randn(rng, dt, c, b, a).permute(2, 1, 0);
            case 2 -> base = Tensor.randn(rng, dt, a, b + 2, c + 3).slice(1, 1, b + 1).slice(2, 2, c + 2);
            default -> base = Tensor.randn(rng, dt, a, c, b).transpose(1, 2);
        }
        return base;
    }

    static int[] idx(int i, int[] shape) {
        int[] ix = new int[shape.length];
        for (int k = shape.length - 1; k >= 0; k--) {
            ix[k] = i % shape[k];
            i /= shape[k];
        }
        return ix;
    }

    static double at(Tensor t, int[] outIdx) {
        int lead = outIdx.length - t.dim();
        int[] ix = new int[t.dim()];
        for (int k = 0; k < ix.length; k++) ix[k] = t.shape[k] == 1 ? 0 : outIdx[k + lead];
        return t.get(ix);
    }

    @Property(tries = 60)
    void broadcastBinaryMatchesIndexMath(@ForAll @IntRange(min = 1, max = 3) int a, @ForAll @IntRange(min = 1, max = 40) int b,
                                         @ForAll @IntRange(min = 1, max = 70) int c, @ForAll @IntRange(min = 0, max = 5) int pattern,
                                         @ForAll boolean f32, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        DType dt = f32 ? DType.F32 : DType.F64;
        Tensor x = view(rng, dt, a, b, c);
        Tensor y = switch (pattern) {
            case 0 -> view(rng, dt, a, b, c);
            case 1 -> Tensor.randn(rng, dt, a, b, 1);          // [B, C, 1]
            case 2 -> Tensor.randn(rng, dt, 1, b, 1);          // [1, C, 1]
            case 3 -> Tensor.randn(rng, dt, c);                // [T]
            case 4 -> Tensor.randn(rng, dt, b, 1).add(0.0);    // [C, 1]
            default -> Tensor.randn(rng, dt, 1, 1, 1).expand(a, b, c);
        };
        for (var op : Elementwise.Op.values()) {
            Tensor yy = op == Elementwise.Op.DIV ? Elementwise.map(y, v -> 1.5 + Math.abs(v)) : y;
            Tensor out = Elementwise.binary(op, x, yy);
            Tensor out2 = Elementwise.binary(op, yy, x);   // operand order swapped
            int[] shape = out.shape();
            for (int i = 0; i < out.numel(); i++) {
                int[] ix = idx(i, shape);
                double u = at(x, ix), v = at(yy, ix);
                double want, want2;
                if (f32) {
                    float fu = (float) u, fv = (float) v;
                    want = switch (op) { case ADD -> fu + fv; case SUB -> fu - fv; case MUL -> fu * fv; case DIV -> fu / fv; };
                    want2 = switch (op) { case ADD -> fv + fu; case SUB -> fv - fu; case MUL -> fv * fu; case DIV -> fv / fu; };
                } else {
                    want = switch (op) { case ADD -> u + v; case SUB -> u - v; case MUL -> u * v; case DIV -> u / v; };
                    want2 = switch (op) { case ADD -> v + u; case SUB -> v - u; case MUL -> v * u; case DIV -> v / u; };
                }
                assertEquals(want, out.getFlat(i), 0, op + " at " + i);
                assertEquals(want2, out2.getFlat(i), 0, op + " swapped at " + i);
            }
        }
    }

    @Property(tries = 40)
    void contiguousAndConversionMatchIndexMath(@ForAll @IntRange(min = 1, max = 3) int a, @ForAll @IntRange(min = 1, max = 30) int b,
                                               @ForAll @IntRange(min = 1, max = 50) int c, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = view(rng, DType.F64, a, b, c);
        Tensor cx = x.contiguous(), x32 = x.to(DType.F32), back = x32.transpose(0, 2).to(DType.F64);
        for (int i = 0; i < x.numel(); i++) {
            int[] ix = idx(i, x.shape);
            assertEquals(x.get(ix), cx.getFlat(i), 0);
            assertEquals((float) x.get(ix), x32.getFlat(i), 0);
            assertEquals((float) x.get(ix), back.get(ix[2], ix[1], ix[0]), 0);
        }
    }

    @Test
    void longRowsAreSegmented() {
        // one row of 100k elements plus a [1, C, 1]-style scalar: exercises the segment split
        SplittableRandom rng = new SplittableRandom(3);
        Tensor x = Tensor.randn(rng, DType.F32, 1, 2, 100_003), y = Tensor.randn(rng, DType.F32, 1, 2, 1);
        Tensor out = x.mul(y);
        for (int i = 0; i < out.numel(); i += 997) {
            int[] ix = idx(i, out.shape);
            assertEquals((float) (x.get(ix) * y.get(ix[0], ix[1], 0)), out.getFlat(i), 0);
        }
        Tensor t = Tensor.randn(rng, DType.F32, 50_000, 3).transpose(0, 1).contiguous();
        assertEquals(150_000, t.numel());
    }
}
