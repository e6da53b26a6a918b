package dev.kokoro.trainer;

import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Pth;
import dev.kokoro.engine.io.Safetensors;
import dev.kokoro.model.KModel;
import dev.kokoro.model.surgery.Surgery;
import java.util.Map;
import dev.kokoro.model.KokoroConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finding configs and loading checkpoints for the subcommands. */
final class Models {
    private Models() {}

    /** The config given, else config.json beside the model, else the embedded Kokoro-82M v1.0 config. */
    static KokoroConfig config(Path model, Path config) throws IOException {
        if (config != null) return KokoroConfig.load(config);
        if (model != null) {
            Path beside = model.toAbsolutePath().resolveSibling("config.json");
            if (Files.isRegularFile(beside)) return KokoroConfig.load(beside);
        }
        return embedded("config-v1_0.json");
    }

    static KokoroConfig embedded(String name) throws IOException {
        try (InputStream in = Models.class.getResourceAsStream("/kokoro/" + name)) {
            if (in == null) throw new IOException("embedded config " + name + " missing from the jar");
            return KokoroConfig.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /**
     * Loads a Kokoro checkpoint; one that already holds {@code predictor.text_encoder.mamba.*} (a surgered
     * or fine-tuned export) gets the surgery first so its Mamba block loads too.
     */
    static KModel load(Path model, Path config) throws IOException {
        return load(model, config, false);
    }

    /** As {@link #load(Path, Path)}; {@code allowMissing} leaves parameters the file lacks at zero instead of failing. */
    static KModel load(Path model, Path config, boolean allowMissing) throws IOException {
        if (!Files.isRegularFile(model)) throw new IOException(model + ": no such checkpoint");
        KModel m = new KModel(config(model, config));
        Map<String, Tensor> flat = KModel.normalizeKeys(readFlat(model));
        if (flat.keySet().stream().anyMatch(k -> k.startsWith("predictor.text_encoder.mamba."))) Surgery.apply(m, 0);
        m.loadStateDict(flat, model.toString(), allowMissing);
        if (allowMissing) {
            java.util.List<String> missing = m.namedParams().keySet().stream().filter(k -> !flat.containsKey(k)).toList();
            if (!missing.isEmpty()) System.err.println("warning: " + model + " lacks " + missing.size() + " parameters, left at zero: " + missing);
        }
        return m;
    }

    /** Any supported checkpoint as one flat name → tensor map (nested .pth dicts joined with dots). */
    static Map<String, Tensor> readFlat(Path file) throws IOException {
        Map<String, Tensor> flat = readAny(file);
        if (flat.size() == 1 && flat.containsKey(SINGLE)) throw new IOException(file + ": holds a single tensor, not a model checkpoint");
        return flat;
    }

    /** Name given to the tensor of a .pth that holds one tensor (a voice pack). */
    static final String SINGLE = "tensor";

    /** Like {@link #readFlat}, but a .pth holding one tensor comes back as {@value #SINGLE} → it. */
    static Map<String, Tensor> readAny(Path file) throws IOException {
        if (file.toString().endsWith(".safetensors")) return Safetensors.read(file);
        Object o = Pth.read(file);
        if (o instanceof Tensor t) return Map.of(SINGLE, t);
        @SuppressWarnings("unchecked") Map<String, Object> nested = (Map<String, Object>) o;
        return Pth.flatten(nested);
    }
}
