package dev.kokoro.trainer;

import dev.kokoro.model.KModel;
import dev.kokoro.model.surgery.Surgery;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** {@code surgery}: writes the checkpoint with the Mamba encoder grafted in (freshly initialised). */
final class SurgeryCommand {
    private SurgeryCommand() {}

    static int run(String[] argv) throws Exception {
        Args a = new Args("surgery")
                .option("model", "FILE", null, "the original Kokoro checkpoint (kokoro-v1_0.pth)")
                .option("config", "FILE", null, "config.json (default: beside the model, else the embedded v1.0 config)")
                .option("out", "FILE", null, "surgered checkpoint (.pth in the kokoro layout, or .safetensors)")
                .option("seed", "N", "0", "seed of the Mamba initialisation");
        if (!a.parse(argv, "Cuts the LSTM/AdaLayerNorm stack out of predictor.text_encoder and grafts one Mamba block\n"
                + "(d_model = hidden + style, d_state 16, d_conv 4, expand 2) in its place. Everything else is unchanged.")) return 0;
        KModel model = Models.load(Path.of(a.required("model")), a.path("config"));
        if (Surgery.isSurgered(model)) throw new Args.UsageException("surgery: " + a.str("model") + " is already surgered");
        long before = model.parameterCount();
        Surgery.Result r = Surgery.apply(model, a.integer("seed"));
        Path out = Path.of(a.required("out"));
        Checkpoints.write(model, out, Map.of("note", "kokoro with predictor.text_encoder = MambaDurationEncoder"));
        System.out.printf(Locale.ROOT, "wrote %s: %,d parameters (was %,d); Mamba block %,d parameters under predictor.text_encoder.mamba%n",
                out, model.parameterCount(), before, r.encoder().parameterCount());
        return 0;
    }
}
