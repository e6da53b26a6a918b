package dev.kokoro.cuda;

import java.util.Arrays;

/** Snake on the device: {@code x + sin²(αx)/α} for x [B, C, T], α [1, C, 1] (the engine's {@code Activations.snake}; no epsilon on α). */
public final class ActivationsCuda {
    private ActivationsCuda() {}

    public record SnakeGrads(CudaTensor dx, CudaTensor dalpha) implements AutoCloseable {
        @Override public void close() {
            if (dx != null) dx.close();
            if (dalpha != null) dalpha.close();
        }
    }

    public static CudaTensor snake(CudaTensor x, CudaTensor alpha) {
        check(x, alpha);
        CudaTensor y = CudaTensor.empty(x.shape());
        if (x.numel() > 0) Cuda.context().launch1d("activations", "snake_fwd", x.numel(),
                KernelArgs.of().ptr(x).ptr(alpha).ptr(y).l(x.numel()).i(x.dim(1)).i(x.dim(2)));
        return y;
    }

    /** dx [B, C, T] and dalpha (alpha's shape), each only when asked for. */
    public static SnakeGrads snakeBackward(CudaTensor x, CudaTensor alpha, CudaTensor dout, boolean needX, boolean needAlpha) {
        check(x, alpha);
        if (!Arrays.equals(dout.shape(), x.shape()))
            throw new IllegalArgumentException("snake backward: dout " + Arrays.toString(dout.shape()) + " != x " + Arrays.toString(x.shape()));
        CudaTensor dx = needX ? CudaTensor.empty(x.shape()) : null, da = needAlpha ? CudaTensor.zeros(alpha.shape()) : null;
        int rows = x.dim(0) * x.dim(1), t = x.dim(2), chunk = 4096;
        if ((dx != null || da != null) && x.numel() > 0)
            Cuda.context().launch("activations", "snake_bwd", rows, (t + chunk - 1) / chunk, 1, 256, 1, 1, 0,
                    KernelArgs.of().ptr(x).ptr(dout).ptr(alpha).ptr(dx).ptr(da).i(x.dim(1)).i(t).i(chunk));
        return new SnakeGrads(dx, da);
    }

    private static void check(CudaTensor x, CudaTensor alpha) {
        if (x.rank() != 3) throw new IllegalArgumentException("snake: x must be [B, C, T], got " + Arrays.toString(x.shape()));
        if (alpha.numel() != x.dim(1) || (alpha.rank() == 3 && (alpha.dim(0) != 1 || alpha.dim(2) != 1)))
            throw new IllegalArgumentException("snake: alpha " + Arrays.toString(alpha.shape()) + " does not broadcast per channel to x " + Arrays.toString(x.shape()) + " (want [1, " + x.dim(1) + ", 1])");
    }
}
