package dev.kokoro.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kokoro.engine.Lstm;
import dev.kokoro.engine.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** LstmCuda against the engine's packed LSTM in float64 (output and every gradient), fresh random inputs. */
@Tag("gpu")
class LstmCudaTest {
    static final double TOL = 1e-3;
    static final int H = LstmCuda.HIDDEN, G4 = 4 * H;

    static int[] lengths(Random r, int b, int t, String pattern) {
        int[] l = new int[b];
        for (int i = 0; i < b; i++)
            l[i] = switch (pattern) {
                case "full" -> t;
                case "ragged" -> i == 0 ? t : r.nextInt(t + 1);   // includes 0-length items
                case "short" -> 1 + r.nextInt(Math.max(1, t - 1)); // every item shorter than T (when T > 1)
                default -> throw new IllegalArgumentException(pattern);
            };
        return l;
    }

    @ParameterizedTest(name = "B={0} T={1} In={2} lengths={3} bidirectional={4}")
    @CsvSource({
        "1, 1, 640, full, true",
        "1, 37, 640, full, true",
        "3, 20, 512, ragged, true",
        "16, 48, 640, ragged, true",
        "16, 128, 640, ragged, true",
        "20, 12, 64, ragged, true",
        "2, 160, 640, short, true",
        "5, 33, 640, full, false",
        "7, 9, 100, ragged, false"})
    void matchesEngineLstm(int b, int t, int in, String pattern, boolean bidirectional) {
        Gpu.assumeGpu();
        Random rnd = new Random(31L * b + 7L * t + in + (bidirectional ? 1 : 0));
        int nd = bidirectional ? 2 : 1;
        int[] lens = lengths(rnd, b, t, pattern);
        double[] x = Gpu.f32(Gpu.randn(rnd, b * t * in, 1));
        double[] dout = Gpu.f32(Gpu.randn(rnd, b * t * nd * H, 1));
        double[][][] p = new double[nd][4][];
        for (int d = 0; d < nd; d++) {
            p[d][0] = Gpu.f32(Gpu.uniform(rnd, G4 * in, -0.1, 0.1));
            p[d][1] = Gpu.f32(Gpu.uniform(rnd, G4 * H, -0.1, 0.1));
            p[d][2] = Gpu.f32(Gpu.uniform(rnd, G4, -0.3, 0.3));
            p[d][3] = Gpu.f32(Gpu.uniform(rnd, G4, -0.3, 0.3));
        }

        // reference: the engine's packed LSTM in float64
        Tensor rx = Tensor.of(x.clone(), b, t, in).requiresGrad(true);
        Tensor[][] rp = new Tensor[nd][4];
        int[][] shapes = {{G4, in}, {G4, H}, {G4}, {G4}};
        for (int d = 0; d < nd; d++) for (int k = 0; k < 4; k++) rp[d][k] = Tensor.of(p[d][k].clone(), shapes[k]).requiresGrad(true);
        Lstm.Direction rf = new Lstm.Direction(rp[0][0], rp[0][1], rp[0][2], rp[0][3]);
        Lstm.Direction rr = nd > 1 ? new Lstm.Direction(rp[1][0], rp[1][1], rp[1][2], rp[1][3]) : null;
        Tensor ry = Lstm.lstm(rx, lens, rf, rr);
        ry.backward(Tensor.of(dout.clone(), b, t, nd * H));

        for (int v : new int[] {1, 2}) {
            LstmCuda.variant = v;
            try {
                compare(v, b, t, in, pattern, nd, lens, x, dout, p, shapes, rx, rp, ry);
            } finally {
                LstmCuda.variant = 2;
            }
        }
    }

    private static void compare(int v, int b, int t, int in, String pattern, int nd, int[] lens, double[] x, double[] dout, double[][][] p,
                                int[][] shapes, Tensor rx, Tensor[][] rp, Tensor ry) {
        String at = "variant " + v + ": ";
        CudaTensor[][] gp = new CudaTensor[nd][4];
        for (int d = 0; d < nd; d++) for (int k = 0; k < 4; k++) gp[d][k] = Gpu.up(p[d][k], shapes[k]);
        LstmCuda.Direction gf = new LstmCuda.Direction(gp[0][0], gp[0][1], gp[0][2], gp[0][3]);
        LstmCuda.Direction gr = nd > 1 ? new LstmCuda.Direction(gp[1][0], gp[1][1], gp[1][2], gp[1][3]) : null;
        try (CudaTensor gx = Gpu.up(x, b, t, in); CudaTensor gd = Gpu.up(dout, b, t, nd * H);
             LstmCuda.Result res = LstmCuda.forward(gx, lens, gf, gr);
             LstmCuda.Result again = LstmCuda.forward(gx, lens, gf, gr);
             LstmCuda.Grads g = LstmCuda.backward(gx, gf, gr, res, gd, true, true)) {
            float[] y = res.out().download();
            Gpu.close(at + "out", res.out(), ry.f64(), TOL);
            assertArrayEquals(y, again.out().download(), at + "forward is deterministic (a difference means a race)");
            for (int i = 0; i < b; i++)
                for (int s = lens[i]; s < t; s++)
                    for (int j = 0; j < nd * H; j++)
                        assertEquals(0f, y[(i * t + s) * nd * H + j], at + "output past length " + lens[i] + " of item " + i + " at step " + s);
            Gpu.close(at + "dx", g.dx(), rx.grad().contiguous().f64(), TOL);
            for (int d = 0; d < nd; d++) {
                String n = d == 0 ? "" : "_reverse";
                Gpu.close(at + "dweight_ih" + n, g.dWIh()[d], rp[d][0].grad().contiguous().f64(), TOL);
                Gpu.close(at + "dweight_hh" + n, g.dWHh()[d], rp[d][1].grad().contiguous().f64(), TOL);
                Gpu.close(at + "dbias_ih" + n, g.dBias()[d], rp[d][2].grad().contiguous().f64(), TOL);
                Gpu.close(at + "dbias_hh" + n, g.dBias()[d], rp[d][3].grad().contiguous().f64(), TOL);
            }
            System.out.printf("LSTM v%d B=%d T=%d In=%d %s dirs=%d: rel L2 out %.2e dx %.2e dWih %.2e dWhh %.2e db %.2e%n", v, b, t, in, pattern, nd,
                    Gpu.relL2(y, ry.f64()), Gpu.relL2(g.dx().download(), rx.grad().contiguous().f64()),
                    Gpu.relL2(g.dWIh()[0].download(), rp[0][0].grad().contiguous().f64()),
                    Gpu.relL2(g.dWHh()[0].download(), rp[0][1].grad().contiguous().f64()),
                    Gpu.relL2(g.dBias()[0].download(), rp[0][2].grad().contiguous().f64()));
        } finally {
            for (CudaTensor[] a : gp) for (CudaTensor c : a) c.close();
        }
    }

    @Test
    void onlyDxWhenWeightsAreFrozen() {
        Gpu.assumeGpu();
        Random rnd = new Random(5);
        int b = 2, t = 6, in = 32;
        CudaTensor[] w = {Gpu.up(Gpu.uniform(rnd, G4 * in, -0.1, 0.1), G4, in), Gpu.up(Gpu.uniform(rnd, G4 * H, -0.1, 0.1), G4, H),
                          Gpu.up(Gpu.uniform(rnd, G4 * in, -0.1, 0.1), G4, in), Gpu.up(Gpu.uniform(rnd, G4 * H, -0.1, 0.1), G4, H)};
        LstmCuda.Direction f = new LstmCuda.Direction(w[0], w[1], null, null), r = new LstmCuda.Direction(w[2], w[3], null, null);
        try (CudaTensor x = Gpu.up(Gpu.randn(rnd, b * t * in, 1), b, t, in); CudaTensor dy = Gpu.up(Gpu.randn(rnd, b * t * 2 * H, 1), b, t, 2 * H);
             LstmCuda.Result res = LstmCuda.forward(x, new int[] {6, 3}, f, r);
             LstmCuda.Grads all = LstmCuda.backward(x, f, r, res, dy, true, true);
             LstmCuda.Grads dxOnly = LstmCuda.backward(x, f, r, res, dy, true, false)) {
            assertNull(dxOnly.dWIh());
            float[] a = all.dx().download(), c = dxOnly.dx().download();
            double e = Gpu.relL2(c, toDouble(a));
            assertTrue(e < 1e-6, "dx without weight gradients differs: " + e);
        } finally {
            for (CudaTensor c : w) c.close();
        }
    }

    @Test
    void rejectsOtherHiddenSizesAndBadLengths() {
        Gpu.assumeGpu();
        try (CudaTensor x = CudaTensor.zeros(1, 4, 8); CudaTensor wi = CudaTensor.zeros(4 * 64, 8); CudaTensor wh = CudaTensor.zeros(4 * 64, 64);
             CudaTensor wi2 = CudaTensor.zeros(G4, 8); CudaTensor wh2 = CudaTensor.zeros(G4, H)) {
            var e = assertThrows(IllegalArgumentException.class, () -> LstmCuda.forward(x, null, new LstmCuda.Direction(wi, wh, null, null), null));
            assertTrue(e.getMessage().contains("weight_ih"), e.getMessage());
            var e2 = assertThrows(IllegalArgumentException.class, () -> LstmCuda.forward(x, new int[] {5}, new LstmCuda.Direction(wi2, wh2, null, null), null));
            assertTrue(e2.getMessage().contains("length 5"), e2.getMessage());
        }
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
