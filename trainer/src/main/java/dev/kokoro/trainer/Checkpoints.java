package dev.kokoro.trainer;

import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Pth;
import dev.kokoro.engine.io.Safetensors;
import dev.kokoro.model.KModel;
import dev.kokoro.model.nn.StateDict;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a whole model: {@code .pth} in kokoro-v1_0.pth's layout (five sub-dicts, keys prefixed
 * {@code module.}, weight norm as weight_g/weight_v; after surgery the Mamba block sits under
 * {@code predictor} as {@code module.text_encoder.mamba.*} in mamba-ssm's names), or a flat
 * {@code .safetensors} with {@code part.key} names. Both are written to a temporary file and renamed.
 */
final class Checkpoints {
    private Checkpoints() {}

    static void write(KModel model, Path out, Map<String, String> metadata) throws IOException {
        Map<String, Tensor> flat = StateDict.save(model);
        String name = out.getFileName().toString();
        if (name.endsWith(".safetensors")) {
            Safetensors.write(out, flat, metadata);
        } else if (name.endsWith(".pth") || name.endsWith(".pt")) {
            Map<String, Object> parts = new LinkedHashMap<>();
            for (String part : KModel.PARTS) parts.put(part, new LinkedHashMap<String, Object>());
            for (var e : flat.entrySet()) {
                String k = e.getKey();
                int dot = k.indexOf('.');
                @SuppressWarnings("unchecked")
                Map<String, Object> sub = (Map<String, Object>) parts.get(k.substring(0, dot));
                if (sub == null) throw new IllegalStateException("parameter outside the five kokoro parts: " + k);
                sub.put("module." + k.substring(dot + 1), e.getValue().contiguous());
            }
            Pth.write(out, parts);
        } else {
            throw new Args.UsageException(out + ": the output must end in .pth or .safetensors");
        }
    }

    /**
     * Copies the trained tensors of a train/distill/voice checkpoint into {@code model} (which must already
     * have the parameters they name, i.e. be surgered); returns what was read.
     */
    static RunDir.Saved copyTrained(KModel model, Path ckpt) throws IOException {
        if (!java.nio.file.Files.isRegularFile(ckpt)) throw new IOException(ckpt + ": no such checkpoint");
        RunDir.Saved saved = RunDir.load(ckpt);
        Map<String, dev.kokoro.model.nn.Param> params = model.namedParams();
        for (var e : saved.params().entrySet()) {
            dev.kokoro.model.nn.Param p = params.get(e.getKey());
            if (p == null) throw new IOException(ckpt + ": parameter " + e.getKey() + " does not exist in the model");
            Tensor t = e.getValue();
            if (!java.util.Arrays.equals(t.shape(), p.shape()))
                throw new IOException(ckpt + ": " + e.getKey() + " has shape " + java.util.Arrays.toString(t.shape())
                        + ", the model expects " + java.util.Arrays.toString(p.shape()));
            p.get().copyFrom(t.to(p.dtype()));
        }
        return saved;
    }
}
