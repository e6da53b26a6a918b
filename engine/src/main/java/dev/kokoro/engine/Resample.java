package dev.kokoro.engine;

/** 1-d resampling and padding on x [B, C, T], with PyTorch's exact index rules. */
public final class Resample {
    private Resample() {}

    /** F.interpolate(x, size=outLen, mode='nearest'): src = floor(dst · T_in / T_out). */
    public static Tensor nearest1d(Tensor x, int outLen) { throw new UnsupportedOperationException("not yet implemented"); }
    /** F.interpolate(x, scale_factor=scale, mode='nearest') (src index uses 1/scale as PyTorch does). */
    public static Tensor nearest1dScale(Tensor x, double scale) { throw new UnsupportedOperationException("not yet implemented"); }
    /** F.interpolate(x, size=outLen, mode='linear', align_corners=False). */
    public static Tensor linear1d(Tensor x, int outLen) { throw new UnsupportedOperationException("not yet implemented"); }
    /** F.interpolate(x, scale_factor=scale, mode='linear', align_corners=False) (PyTorch uses 1/scale for the source index). */
    public static Tensor linear1dScale(Tensor x, double scale) { throw new UnsupportedOperationException("not yet implemented"); }
    /** F.pad(x, (left, right), mode='reflect') on the last dim. */
    public static Tensor reflectionPad1d(Tensor x, int left, int right) { throw new UnsupportedOperationException("not yet implemented"); }
    /** F.pad(x, (left, right), value=value) on the last dim. */
    public static Tensor pad1d(Tensor x, int left, int right, double value) { throw new UnsupportedOperationException("not yet implemented"); }
}
