package dev.kokoro.model.decoder;

import dev.kokoro.engine.Activations;
import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.Matmul;
import dev.kokoro.engine.Tensor;
import dev.kokoro.model.nn.Linear;
import dev.kokoro.model.nn.Module;

/** istftnet's SourceModuleHnNSF: SineGen harmonics merged by l_linear (H → 1) and tanh. */
public final class SourceModuleHnNSF extends Module {
    public final SineGen sineGen;
    public final Linear lLinear;
    /** false: always the op-by-op differentiable path (tests compare the two). */
    public boolean fused = true;

    public SourceModuleHnNSF(double samplingRate, int upsampleScale, int harmonicNum, double sineAmp,
                             double noiseStd, double voicedThreshold) {
        sineGen = new SineGen(samplingRate, upsampleScale, harmonicNum, sineAmp, noiseStd, voicedThreshold);
        lLinear = child("l_linear", new Linear(harmonicNum + 1, 1, true));
    }

    /** f0 [B, L, 1] at the audio rate → excitation [B, L, 1], computed in f0's dtype. */
    public Tensor forward(Tensor f0) {
        Tensor w = lLinear.weight.get(), b = lLinear.bias.get();
        if (fused && f0.dtype == DType.F64 && !Autograd.needsGrad(f0, w, b)
                && f0.device() == Device.CPU && w.device() == Device.CPU && b.device() == Device.CPU) {
            Tensor w64 = w.to(DType.F64).contiguous();
            return sineGen.mergedNoGrad(f0, w64.f64(), b.to(DType.F64).getFlat(0));
        }
        Tensor sines = sineGen.forward(f0);
        return Activations.tanh(Matmul.linear(sines, w.to(f0.device()).to(f0.dtype), b.to(f0.device()).to(f0.dtype)));
    }
}
