package dev.kokoro.model.nn;

import dev.kokoro.engine.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Loads and saves a module's parameters by name, with errors that name every bad key and shape. */
public final class StateDict {
    private StateDict() {}

    /**
     * Copies {@code tensors} into {@code module}'s parameters (converted to each parameter's dtype).
     * Missing, unexpected or mis-shaped tensors are an error listing them all, unless
     * {@code allowMissing}; keys matching {@code ignoredKeys} suffixes (known old buffers) are skipped.
     */
    public static void load(Module module, Map<String, Tensor> tensors, String source, boolean allowMissing, Set<String> ignoredSuffixes) {
        Map<String, Param> params = module.namedParams();
        List<String> problems = new ArrayList<>();
        Set<String> missing = new TreeSet<>();
        for (var e : params.entrySet()) {
            Tensor t = tensors.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
                continue;
            }
            int[] want = e.getValue().shape();
            if (!Arrays.equals(want, t.shape())) {
                problems.add(String.format("%s: checkpoint has shape %s, model expects %s", e.getKey(),
                        Arrays.toString(t.shape()), Arrays.toString(want)));
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : tensors.keySet()) {
            if (params.containsKey(k)) continue;
            if (ignoredSuffixes.stream().anyMatch(k::endsWith)) continue;
            unexpected.add(k);
        }
        if (!missing.isEmpty() && !allowMissing) problems.add("missing: " + String.join(", ", missing));
        if (!unexpected.isEmpty()) problems.add("unexpected: " + String.join(", ", unexpected));
        if (!problems.isEmpty())
            throw new IllegalArgumentException(source + " does not match the model:\n  " + String.join("\n  ", problems));
        for (var e : params.entrySet()) {
            Tensor t = tensors.get(e.getKey());
            if (t == null) continue;
            Param p = e.getValue();
            boolean rg = p.get().requiresGrad();
            p.set(t.detach().to(p.dtype()).contiguous().copy().requiresGrad(rg));
        }
    }

    /** The parameters' current values by name (detached). */
    public static Map<String, Tensor> save(Module module) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        module.namedParams().forEach((k, p) -> out.put(k, p.get().detach()));
        return out;
    }

    /** The entries of {@code all} under {@code prefix}, with the prefix removed. */
    public static Map<String, Tensor> sub(Map<String, Tensor> all, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        all.forEach((k, v) -> { if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v); });
        return out;
    }
}
