package dev.kokoro.trainer;

import dev.kokoro.model.KModel;
import dev.kokoro.model.surgery.Surgery;
import java.nio.file.Path;
import java.util.Map;

/** {@code export}: the original model + a run's trained Mamba block → one checkpoint in the kokoro layout. */
final class ExportCommand {
    private ExportCommand() {}

    static int run(String[] argv) throws Exception {
        Args a = new Args("export")
                .option("model", "FILE", null, "the checkpoint the run started from (original kokoro-v1_0.pth or a surgered one)")
                .option("config", "FILE", null, "config.json (default: beside the model, else the embedded v1.0 config)")
                .option("run", "DIR", null, "training run directory (uses its checkpoint.safetensors)")
                .option("checkpoint", "FILE", null, "a checkpoint.safetensors instead of --run")
                .option("out", "FILE", null, "output: .pth (kokoro layout, Mamba under predictor.text_encoder.mamba.*) or .safetensors");
        if (!a.parse(argv, "Writes the fine-tuned model. The .pth loads in PyTorch with torch.load(weights_only=True);\n"
                + "after the same surgery in PyTorch (a module with a `mamba` = mamba_ssm.Mamba(d_model=hidden+style))\n"
                + "each part loads with load_state_dict.")) return 0;
        Path ckpt = a.has("checkpoint") ? Path.of(a.str("checkpoint"))
                : a.has("run") ? Path.of(a.str("run")).resolve("checkpoint.safetensors") : null;
        if (ckpt == null) throw new Args.UsageException("export: give --run or --checkpoint");
        KModel model = Models.load(Path.of(a.required("model")), a.path("config"));
        if (!Surgery.isSurgered(model)) Surgery.apply(model, 0);
        RunDir.Saved saved = Checkpoints.copyTrained(model, ckpt);
        int copied = saved.params().size();
        Path out = Path.of(a.required("out"));
        Checkpoints.write(model, out, Map.of("note", "kokoro-mamba fine-tuned export", "steps", Integer.toString(saved.step())));
        System.out.printf("wrote %s (%d trained tensors from %s, step %d)%n", out, copied, ckpt, saved.step());
        return 0;
    }
}
