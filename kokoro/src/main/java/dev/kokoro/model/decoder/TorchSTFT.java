package dev.kokoro.model.decoder;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.MathOps;
import dev.kokoro.engine.Spectral;
import dev.kokoro.engine.Tensor;

/**
 * istftnet's TorchSTFT(filter_length = win_length = nFft, hop, 'hann'): torch.stft / torch.istft with
 * center=True, reflect padding and a periodic Hann window. The window is made in float32 as torch
 * makes it, then converted to the signal's dtype (as the float64 reference did). All calls into
 * {@link Spectral} live here.
 *
 * <p>The window's float32 bits matter: an unvoiced (constant) source has energy only in bins 0 and 1
 * of a Hann frame, and the phases of the other bins, which the generator consumes, come from the
 * window's float32 rounding alone (magnitudes ~1e-8). torch's hann_window(20) (vectorised float32
 * cos) is one ulp below the correctly rounded value at index 8: 0x3f678dde. Recovered from
 * kokoro-tiny.ref.safetensors by inverting noise_convs.0 on its constant input (all 20 values
 * otherwise equal {@link Spectral#hannWindow}); without it the float64 generator parity drops
 * from 1e-9 to 1e-1.
 */
public final class TorchSTFT {
    public final int nFft, hop;
    private final Tensor window32;
    private Tensor window64;

    public TorchSTFT(int nFft, int hop) {
        this.nFft = nFft;
        this.hop = hop;
        this.window32 = Spectral.hannWindow(DType.F32, nFft, true);
        if (nFft == 20) window32.setFlat(8, Float.intBitsToFloat(0x3f678dde));
    }

    private Tensor windowDevice;

    /** The window in x's dtype, on x's device (a device copy is made once). */
    private Tensor window(Tensor x) {
        if (x.device() != Device.CPU) {
            if (windowDevice == null || windowDevice.device() != x.device() || windowDevice.storage().isFreed()) windowDevice = dev.kokoro.engine.backend.DeviceScope.detached(() -> window32.to(x.device()));   // outlives the step's scopes
            return windowDevice;
        }
        return window(x.dtype);
    }

    private Tensor window(DType dtype) {
        if (dtype == DType.F32) return window32;
        if (window64 == null) window64 = window32.to(DType.F64);
        return window64;
    }

    /** x [B, L] → {magnitude, phase}, each [B, nFft/2+1, L/hop + 1]. */
    public Tensor[] transform(Tensor x) {
        Tensor[] reIm = Spectral.stft(x, nFft, hop, window(x), true);
        return new Tensor[]{Spectral.magnitude(reIm[0], reIm[1]), Spectral.angle(reIm[0], reIm[1])};
    }

    /** istft(magnitude · e^{i·phase}) → [B, 1, hop · (frames − 1)]. */
    public Tensor inverse(Tensor magnitude, Tensor phase) {
        Tensor re = magnitude.mul(MathOps.cos(phase));
        Tensor im = magnitude.mul(MathOps.sin(phase));
        return Spectral.istft(re, im, nFft, hop, window(magnitude), true, -1).unsqueeze(1);
    }
}
