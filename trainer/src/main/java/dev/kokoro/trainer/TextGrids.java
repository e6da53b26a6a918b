package dev.kokoro.trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/** Montreal Forced Aligner output: every {@code <id>.TextGrid} below a folder, by utterance id. */
final class TextGrids {
    private TextGrids() {}

    static Map<String, Path> index(Path dir) throws IOException {
        Map<String, Path> out = new HashMap<>();
        if (dir == null) return out;
        if (!Files.isDirectory(dir)) throw new IOException(dir + ": --textgrids must be a folder of .TextGrid files");
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> p.getFileName().toString().endsWith(".TextGrid")).forEach(p -> {
                String id = p.getFileName().toString().replaceFirst("\\.TextGrid$", "");
                Path prev = out.putIfAbsent(id, p);
                if (prev != null) throw new IllegalArgumentException("two TextGrids for utterance " + id + ": " + prev + " and " + p);
            });
        }
        if (out.isEmpty()) throw new IOException(dir + ": no .TextGrid files");
        return out;
    }
}
