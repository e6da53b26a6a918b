package dev.kokoro.trainer;

import dev.kokoro.g2p.Phonemizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** text → phonemes through espeak-ng, cached in a TSV file so a dataset is phonemized once. */
final class G2pCache {
    private final Path file;
    private final Supplier<Phonemizer> factory;
    private final Map<String, String> cache = new LinkedHashMap<>();
    private Phonemizer phonemizer;
    private boolean dirty;

    G2pCache(Path file, Supplier<Phonemizer> factory) throws IOException {
        this.file = file;
        this.factory = factory;
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                int tab = line.indexOf('\t');
                if (tab > 0) cache.put(line.substring(0, tab), line.substring(tab + 1));
            }
        }
    }

    String phonemes(String text) throws IOException {
        String hit = cache.get(text);
        if (hit != null) return hit;
        if (phonemizer == null) phonemizer = factory.get();
        String p = phonemizer.phonemize(text);
        cache.put(text, p);
        dirty = true;
        return p;
    }

    void save() throws IOException {
        if (!dirty) return;
        List<String> lines = new ArrayList<>();
        cache.forEach((t, p) -> lines.add(t.replace('\t', ' ').replace('\n', ' ') + "\t" + p));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, lines);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        dirty = false;
    }
}
