package dev.kokoro.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kokoro.audio.MelSpectrogram;
import dev.kokoro.engine.AdamW;
import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.backend.DeviceScope;
import dev.kokoro.engine.backend.Fallbacks;
import dev.kokoro.engine.io.Fixtures;
import dev.kokoro.engine.io.Safetensors;
import dev.kokoro.model.KModel;
import dev.kokoro.model.KokoroConfig;
import dev.kokoro.model.decoder.Generator;
import dev.kokoro.model.nn.StateDict;
import dev.kokoro.model.surgery.Surgery;
import dev.kokoro.trainer.Peft;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The train-step fixture (surgered tiny Kokoro, one PEFT step, PyTorch float64 reference) with the model
 * on a device (the CPU included): forward, loss, backward and AdamW inside one DeviceScope, as the trainer
 * runs a step. Checks that the loss, every gradient and the updated parameters stay on the device and match
 * the reference; returns the worst relative errors.
 */
final class TrainStepOnDevice {
    private TrainStepOnDevice() {}

    static boolean fixturesPresent() {
        return Fixtures.exists("train-step.ref.safetensors") && Fixtures.exists("kokoro-tiny.pth") && Fixtures.exists("kokoro-tiny.config.json");
    }

    record Errors(double losses, double grads, double afterStep, String report, String fallbacks) {}

    static Errors run(Device device) throws Exception {
        // the reference's float64 harmonic source (on the host); a device model's default float32 source
        // decides the phases of near-empty bins differently
        boolean deviceSource = Generator.deviceSourceFloat64;
        Generator.deviceSourceFloat64 = true;
        try {
            return step(device);
        } finally {
            Generator.deviceSourceFloat64 = deviceSource;
        }
    }

    private static Errors step(Device device) throws Exception {
        Map<String, Tensor> ref = Safetensors.read(Fixtures.file("train-step.ref.safetensors"));
        KokoroConfig cfg = KokoroConfig.load(Fixtures.file("kokoro-tiny.config.json"));
        KModel model = KModel.load(Fixtures.file("kokoro-tiny.pth"), cfg, false);
        model.deterministic(true);
        Surgery.Result s = Surgery.apply(model, 0);
        StateDict.load(s.encoder().mamba, StateDict.sub(ref, "mamba.param."), "train-step.ref.safetensors mamba.param.*", false, java.util.Set.of());
        Surgery.freezeAllBut(model, s.encoder());
        model.to(device);

        long[] dur = ref.get("target_dur").toLongArray();
        MelSpectrogram mel = new MelSpectrogram();
        Tensor targetAudio = ref.get("target_audio").to(DType.F32);
        Tensor targetLogMel = Autograd.noGrad(() -> mel.logMel(targetAudio));
        Peft.Example ex = new Peft.Example("fixture", ref.get("input_ids"), ref.get("ref_s"), dur, targetLogMel, null, null);
        Map<String, Tensor> params = new LinkedHashMap<>();
        s.encoder().mamba.namedParams().forEach((k, p) -> params.put(k, p.get()));
        for (Tensor p : params.values()) assertEquals(device, p.device(), "parameters moved");
        AdamW opt = new AdamW(new ArrayList<>(params.values()), 1e-4, 0.9, 0.999, 1e-8, 0.01);   // outside the step's scope

        Fallbacks.reset();
        List<String> report = new ArrayList<>();
        double worst = 0, worstGrad = 0, worstStep = 0;
        try (DeviceScope scope = DeviceScope.open()) {
            Peft.Result r = Peft.loss(model, mel, ex, Peft.Weights.plan());
            assertEquals(device, r.loss().device(), "the loss graph stays on the device");
            r.loss().backward();
            worst = Math.max(worst, TrainStepParityTest.compare(report, "loss_mel", Tensor.scalar(DType.F64, r.parts().mel()), ref.get("loss_mel")));
            worst = Math.max(worst, TrainStepParityTest.compare(report, "loss_dur", Tensor.scalar(DType.F64, r.parts().dur()), ref.get("loss_dur")));
            worst = Math.max(worst, TrainStepParityTest.compare(report, "loss", r.loss().to(Device.CPU), ref.get("loss")));
            worst = Math.max(worst, TrainStepParityTest.compare(report, "student.d", r.outputs().d().to(Device.CPU), ref.get("student.d")));
            worst = Math.max(worst, TrainStepParityTest.compare(report, "student.F0", r.outputs().f0().to(Device.CPU), ref.get("student.F0")));
            worst = Math.max(worst, TrainStepParityTest.compare(report, "student.audio", r.outputs().audio().to(Device.CPU), ref.get("student.audio")));
            for (var e : params.entrySet()) {
                Tensor g = e.getValue().grad();
                assertTrue(g != null && g.device() == device, "gradient of " + e.getKey() + " on " + (g == null ? "nothing" : g.device()));
                worstGrad = Math.max(worstGrad, TrainStepParityTest.compare(report, "grad." + e.getKey(), g.to(Device.CPU), ref.get("mamba.grad." + e.getKey())));
            }
            opt.step();
            opt.zeroGrad();
        }
        for (var e : params.entrySet()) {
            assertEquals(device, e.getValue().device());
            worstStep = Math.max(worstStep, TrainStepParityTest.compare(report, "after_step." + e.getKey(), e.getValue().to(Device.CPU), ref.get("mamba.after_step." + e.getKey())));
        }
        return new Errors(worst, worstGrad, worstStep, String.join("\n", report), Fallbacks.summary());
    }
}
