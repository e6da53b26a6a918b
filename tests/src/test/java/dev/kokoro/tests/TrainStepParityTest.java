package dev.kokoro.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.audio.MelSpectrogram;
import dev.kokoro.engine.AdamW;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Fixtures;
import dev.kokoro.engine.io.Safetensors;
import dev.kokoro.model.KModel;
import dev.kokoro.model.KokoroConfig;
import dev.kokoro.model.nn.StateDict;
import dev.kokoro.model.surgery.Surgery;
import dev.kokoro.trainer.Peft;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One PEFT step of the surgered tiny model against train-step.ref.safetensors (PyTorch, float64):
 * losses, every Mamba gradient, and the parameters after one AdamW step.
 */
class TrainStepParityTest {

    @Test
    void oneStepMatchesPyTorch() throws Exception {
        assumeTrue(Fixtures.exists("train-step.ref.safetensors") && Fixtures.exists("kokoro-tiny.pth"), "fixtures missing");
        Map<String, Tensor> ref = Safetensors.read(Fixtures.file("train-step.ref.safetensors"));
        KokoroConfig cfg = KokoroConfig.load(Fixtures.file("kokoro-tiny.config.json"));
        KModel model = KModel.load(Fixtures.file("kokoro-tiny.pth"), cfg, false);
        model.deterministic(true);
        Surgery.Result s = Surgery.apply(model, 0);
        StateDict.load(s.encoder().mamba, StateDict.sub(ref, "mamba.param."), "train-step.ref.safetensors mamba.param.*", false, java.util.Set.of());
        Surgery.freezeAllBut(model, s.encoder());

        long[] dur = ref.get("target_dur").toLongArray();
        MelSpectrogram mel = new MelSpectrogram();
        Tensor targetAudio = ref.get("target_audio").to(DType.F32);
        Tensor targetLogMel = dev.kokoro.engine.Autograd.noGrad(() -> mel.logMel(targetAudio));
        Peft.Example ex = new Peft.Example("fixture", ref.get("input_ids"), ref.get("ref_s"), dur, targetLogMel, null, null);
        Peft.Result r = Peft.loss(model, mel, ex, Peft.Weights.plan());
        r.loss().backward();

        List<String> report = new ArrayList<>();
        double worst = 0;
        worst = Math.max(worst, compare(report, "loss_mel", Tensor.scalar(DType.F64, r.parts().mel()), ref.get("loss_mel")));
        worst = Math.max(worst, compare(report, "loss_dur", Tensor.scalar(DType.F64, r.parts().dur()), ref.get("loss_dur")));
        worst = Math.max(worst, compare(report, "loss", r.loss(), ref.get("loss")));
        worst = Math.max(worst, compare(report, "student.d", r.outputs().d(), ref.get("student.d")));
        worst = Math.max(worst, compare(report, "student.F0", r.outputs().f0(), ref.get("student.F0")));
        worst = Math.max(worst, compare(report, "student.audio", r.outputs().audio(), ref.get("student.audio")));
        double worstGrad = 0;
        Map<String, Tensor> params = new LinkedHashMap<>();
        s.encoder().mamba.namedParams().forEach((k, p) -> params.put(k, p.get()));
        for (var e : params.entrySet())
            worstGrad = Math.max(worstGrad, compare(report, "grad." + e.getKey(), e.getValue().grad(), ref.get("mamba.grad." + e.getKey())));

        AdamW opt = new AdamW(new ArrayList<>(params.values()), 1e-4, 0.9, 0.999, 1e-8, 0.01);
        opt.step();
        double worstStep = 0;
        for (var e : params.entrySet())
            worstStep = Math.max(worstStep, compare(report, "after_step." + e.getKey(), e.getValue(), ref.get("mamba.after_step." + e.getKey())));
        System.out.println(String.join("\n", report));
        assertTrue(worst <= 1e-4, "losses/activations rel err " + worst + "\n" + String.join("\n", report));
        assertTrue(worstGrad <= 1e-3, "gradient rel err " + worstGrad + "\n" + String.join("\n", report));
        assertTrue(worstStep <= 1e-4, "after-step rel err " + worstStep + "\n" + String.join("\n", report));
    }

    static double compare(List<String> report, String name, Tensor got, Tensor want) {
        double e = got == null ? Double.POSITIVE_INFINITY : GradCheck.relL2(got, want);
        report.add(String.format("%-40s rel_err=%.3e", name, e));
        return Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
    }
}
