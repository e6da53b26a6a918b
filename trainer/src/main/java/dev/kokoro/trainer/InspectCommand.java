package dev.kokoro.trainer;

import dev.kokoro.engine.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/** {@code inspect}: lists a checkpoint's tensors with shapes and dtypes, and parameter counts per part. */
final class InspectCommand {
    private InspectCommand() {}

    static int run(String[] argv) throws Exception {
        Args a = new Args("inspect")
                .option("model", "FILE", null, "a .pth (kokoro layout or a voice pack) or .safetensors file")
                .flag("summary", "print only the per-part parameter counts");
        if (!a.parse(argv, "Lists every tensor of a checkpoint (name, dtype, shape) and parameter counts per top-level part.")) return 0;
        Path file = Path.of(a.required("model"));
        Map<String, Tensor> flat = Models.readAny(file);
        Map<String, long[]> parts = new TreeMap<>();
        long total = 0;
        for (var e : flat.entrySet()) {
            Tensor t = e.getValue();
            if (!a.bool("summary")) System.out.printf("%-80s %-4s %s%n", e.getKey(), t.dtype, Arrays.toString(t.shape()));
            String part = e.getKey().contains(".") ? e.getKey().substring(0, e.getKey().indexOf('.')) : e.getKey();
            parts.computeIfAbsent(part, k -> new long[2]);
            parts.get(part)[0]++;
            parts.get(part)[1] += t.numel();
            total += t.numel();
        }
        System.out.println();
        parts.forEach((k, v) -> System.out.printf("%-24s %6d tensors %,14d parameters%n", k, v[0], v[1]));
        System.out.printf("%-24s %6d tensors %,14d parameters%n", "total", flat.size(), total);
        return 0;
    }
}
