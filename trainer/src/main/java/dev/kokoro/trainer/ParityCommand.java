package dev.kokoro.trainer;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Safetensors;
import dev.kokoro.model.KModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** {@code parity}: runs forward_with_tokens on a reference dump's inputs and compares every tensor. */
final class ParityCommand {
    private ParityCommand() {}

    static int run(String[] argv) throws Exception {
        Args a = new Args("parity")
                .option("model", "FILE", null, "checkpoint (.pth in the kokoro layout, or .safetensors)")
                .option("config", "FILE", null, "config.json (default: config.json beside the model)")
                .option("reference", "FILE", null, "reference dump: input_ids, ref_s, pred_dur, audio, act.<module>")
                .option("tol", "X", "1e-3", "largest relative L2 error that passes")
                .flag("f64", "run the model in float64 (separates precision from logic)")
                .flag("allow-missing", "load a checkpoint that lacks some parameters (they stay zero and are listed on stderr)");
        if (!a.parse(argv, "Runs KModel.forward_with_tokens in deterministic mode (no source noise) on the reference's\n"
                + "input_ids and ref_s, and prints the relative L2 error of every compared tensor. Exit 0 when all\n"
                + "are within --tol and pred_dur matches exactly, 1 otherwise.")) return 0;
        Path modelPath = Path.of(a.required("model"));
        KModel model = Models.load(modelPath, a.path("config"), a.bool("allow-missing"));
        if (a.bool("f64")) model.to(DType.F64);
        model.deterministic(true);
        Map<String, Tensor> ref = Safetensors.read(Path.of(a.required("reference")));
        Tensor ids = need(ref, "input_ids"), refS = need(ref, "ref_s");
        KModel.Output out = model.forwardWithTokens(ids, refS, 1.0, true);
        double tol = a.real("tol"), worst = 0;
        boolean ok = true;
        if (ref.containsKey("pred_dur")) {
            boolean same = Arrays.equals(out.predDur().toLongArray(), ref.get("pred_dur").reshape(-1).toLongArray());
            System.out.printf("%-48s %s%n", "pred_dur", same ? "equal" : "DIFFERENT: " + Arrays.toString(out.predDur().toLongArray()));
            ok &= same;
        }
        for (var e : ref.entrySet()) {
            String name = e.getKey();
            Tensor got;
            if (name.equals("audio")) got = out.audio();
            else if (name.startsWith("act.")) got = out.activations().get(name.substring(4));
            else continue;
            if (got == null) {
                System.out.printf("%-48s not produced by this model%n", name);
                continue;
            }
            if (got.numel() != e.getValue().numel()) {
                System.out.printf("%-48s shape %s vs reference %s%n", name, Arrays.toString(got.shape()), Arrays.toString(e.getValue().shape()));
                ok = false;
                continue;
            }
            double err = GradCheck.relL2(got, e.getValue());
            if (Double.isNaN(err)) err = Double.POSITIVE_INFINITY;
            worst = Math.max(worst, err);
            System.out.printf("%-48s rel_err=%.3e %s%n", name, err, err <= tol ? "ok" : "FAIL");
            ok &= err <= tol;
        }
        System.out.printf("max_rel_err=%.3e%n", worst);
        return ok ? 0 : 1;
    }

    private static Tensor need(Map<String, Tensor> ref, String key) {
        Tensor t = ref.get(key);
        if (t == null) throw new Args.UsageException("reference has no '" + key + "' tensor (keys: " + ref.keySet() + ")");
        return t;
    }
}
