package dev.kokoro.cuda;

import dev.kokoro.engine.Activations;
import dev.kokoro.engine.Norms;
import dev.kokoro.engine.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * InstanceNormCuda against the engine's Norms.instanceNorm1d / Norms.adaIN1d in float64 (rows from 1024 samples
 * on take the shared-memory kernels, shorter ones the plain ones). For AdaIN the
 * engine's style fc is made the identity (s = [gamma | beta], fc weight I, bias 0), so its gradient with
 * respect to s is [dgamma | dbeta].
 */
@Tag("gpu")
class InstanceNormCudaTest {
    static final double TOL = 1e-5;

    @ParameterizedTest(name = "B={0} C={1} T={2} affine={3}")
    @CsvSource({"1, 1, 1, true", "2, 5, 37, true", "3, 64, 1000, false", "1, 8, 4097, true", "2, 3, 2, false", "2, 3, 30721, true", "1, 2, 1024, false"})
    void instanceNormMatchesEngine(int b, int c, int t, boolean affine) {
        Gpu.assumeGpu();
        Random r = new Random(b * 1000 + c * 10 + t);
        double[] x = offset(CpuRef.randn(r, b * c * t, 2), 3), w = affine ? CpuRef.randn(r, c, 1) : null, nb = affine ? CpuRef.randn(r, c, 1) : null;
        Tensor cx = CpuRef.leaf(x, b, c, t), cw = affine ? CpuRef.leaf(w, c) : null, cb = affine ? CpuRef.leaf(nb, c) : null;
        Tensor y = Norms.instanceNorm1d(cx, cw, cb, 1e-5);
        double[] g = CpuRef.randn(r, y.numel(), 1);
        y.backward(CpuRef.like(y, g));
        try (CudaTensor gx = Gpu.up(x, b, c, t); CudaTensor gw = affine ? Gpu.up(w, c) : null; CudaTensor gb = affine ? Gpu.up(nb, c) : null;
             CudaTensor gd = Gpu.up(g, b, c, t); InstanceNormCuda.Result res = InstanceNormCuda.instanceNorm1d(gx, gw, gb, 1e-5f);
             InstanceNormCuda.Grads gr = InstanceNormCuda.instanceNorm1dBackward(gx, gw, gb, res, gd, true, true, true)) {
            Gpu.close("out", res.out(), CpuRef.d(y), TOL);
            Gpu.close("dx", gr.dx(), CpuRef.grad(cx), TOL);
            if (affine) {
                Gpu.close("dweight", gr.dweight(), CpuRef.grad(cw), TOL);
                Gpu.close("dbias", gr.dbias(), CpuRef.grad(cb), TOL);
            }
        }
    }

    @ParameterizedTest(name = "B={0} C={1} T={2} normAffine={3} snake={4}")
    @CsvSource({"1, 4, 9, true, false", "2, 32, 301, true, false", "3, 16, 2049, false, false", "2, 64, 777, true, true", "1, 5, 1, true, true",
            "2, 4, 30720, true, true", "1, 3, 8193, true, false", "2, 6, 5120, false, true"})
    void adaINMatchesEngine(int b, int c, int t, boolean normAffine, boolean snake) {
        Gpu.assumeGpu();
        Random r = new Random(b * 77 + c * 5 + t);
        double[] x = offset(CpuRef.randn(r, b * c * t, 1.5), -1), gamma = CpuRef.randn(r, b * c, 0.5), beta = CpuRef.randn(r, b * c, 0.5);
        double[] w = normAffine ? CpuRef.randn(r, c, 1) : null, nb = normAffine ? CpuRef.randn(r, c, 1) : null;
        double[] alpha = snake ? Gpu.f32(Gpu.uniform(r, c, 0.3, 2)) : null;
        double[] s = new double[b * 2 * c], eye = new double[4 * c * c];
        for (int i = 0; i < b; i++) {
            System.arraycopy(gamma, i * c, s, i * 2 * c, c);
            System.arraycopy(beta, i * c, s, i * 2 * c + c, c);
        }
        for (int i = 0; i < 2 * c; i++) eye[i * 2 * c + i] = 1;
        Tensor cx = CpuRef.leaf(x, b, c, t), cs = CpuRef.leaf(s, b, 2 * c), cw = normAffine ? CpuRef.leaf(w, c) : null, cb = normAffine ? CpuRef.leaf(nb, c) : null;
        Tensor ca = snake ? CpuRef.leaf(alpha, 1, c, 1) : null;
        Tensor pre = Norms.adaIN1d(cx, cs, Tensor.of(eye, 2 * c, 2 * c), Tensor.of(new double[2 * c], 2 * c), cw, cb, 1e-5);
        Tensor y = snake ? Activations.snake(pre, ca) : pre;
        double[] g = CpuRef.randn(r, y.numel(), 1);
        y.backward(CpuRef.like(y, g));
        double[] ds = CpuRef.grad(cs), dgRef = new double[b * c], dbRef = new double[b * c];
        for (int i = 0; i < b; i++) {
            System.arraycopy(ds, i * 2 * c, dgRef, i * c, c);
            System.arraycopy(ds, i * 2 * c + c, dbRef, i * c, c);
        }
        try (CudaTensor gx = Gpu.up(x, b, c, t); CudaTensor gg = Gpu.up(gamma, b, c); CudaTensor gbeta = Gpu.up(beta, b, c);
             CudaTensor gw = normAffine ? Gpu.up(w, c) : null; CudaTensor gnb = normAffine ? Gpu.up(nb, c) : null;
             CudaTensor ga = snake ? Gpu.up(alpha, 1, c, 1) : null; CudaTensor gpre = snake ? CudaTensor.empty(b, c, t) : null;
             CudaTensor gd = Gpu.up(g, b, c, t);
             InstanceNormCuda.Result res = snake ? InstanceNormCuda.adaIN1dSnake(gx, gg, gbeta, gw, gnb, ga, gpre, 1e-5f)
                     : InstanceNormCuda.adaIN1d(gx, gg, gbeta, gw, gnb, 1e-5f)) {
            Gpu.close("out", res.out(), CpuRef.d(y), TOL);
            CudaTensor dpre = gd;
            ActivationsCuda.SnakeGrads sg = null;
            if (snake) {
                Gpu.close("pre (AdaIN output)", gpre, CpuRef.d(pre), TOL);
                sg = ActivationsCuda.snakeBackward(gpre, ga, gd, true, true);
                Gpu.close("dalpha", sg.dalpha(), CpuRef.grad(ca), TOL);
                dpre = sg.dx();
            }
            try (InstanceNormCuda.Grads gr = InstanceNormCuda.adaIN1dBackward(gx, gg, gbeta, gw, gnb, res, dpre, true, true, true)) {
                Gpu.close("dx", gr.dx(), CpuRef.grad(cx), TOL);
                Gpu.close("dgamma", gr.dgamma(), dgRef, TOL);
                Gpu.close("dbeta", gr.dbeta(), dbRef, TOL);
                if (normAffine) {
                    Gpu.close("dnormWeight", gr.dweight(), CpuRef.grad(cw), TOL);
                    Gpu.close("dnormBias", gr.dbias(), CpuRef.grad(cb), TOL);
                }
            } finally {
                if (sg != null) sg.close();
            }
        }
    }

    static double[] offset(double[] a, double by) {
        for (int i = 0; i < a.length; i++) a[i] = (float) (a[i] + by);  // a mean away from 0: the variance must be two-pass
        return a;
    }
}
