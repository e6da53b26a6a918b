package dev.kokoro.trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Training items from an LJSpeech-style folder ({@code metadata.csv}: {@code id|text|normalized text}
 * and {@code wavs/<id>.wav}) or a list file ({@code path/to.wav|text}). An optional extra last column
 * {@code durations} gives the frame count of every token, pads included, space-separated.
 */
record Dataset(Path source, List<Item> items) {

    record Item(String id, Path wav, String text, int[] durations) {}

    static Dataset open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            Path meta = path.resolve("metadata.csv");
            if (!Files.isRegularFile(meta))
                throw new IOException(path + ": a dataset folder needs metadata.csv (LJSpeech layout: id|text|normalized text, wavs/<id>.wav)");
            return parse(meta, path.resolve("wavs"), true);
        }
        if (!Files.isRegularFile(path)) throw new IOException(path + ": no such dataset folder or list file");
        return parse(path, path.toAbsolutePath().getParent(), false);
    }

    private static Dataset parse(Path file, Path wavDir, boolean ljspeech) throws IOException {
        List<Item> items = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] f = line.split("\\|", -1);
            String where = file + ":" + (n + 1);
            if (f.length < 2) throw new IOException(where + ": expected at least two '|'-separated columns, got: " + line);
            Path wav;
            String text;
            int durCol;
            if (ljspeech) {
                wav = wavDir.resolve(f[0].strip() + ".wav");
                text = f.length >= 3 && !f[2].isBlank() ? f[2].strip() : f[1].strip();
                durCol = 3;
            } else {
                Path p = Path.of(f[0].strip());
                wav = p.isAbsolute() ? p : wavDir.resolve(p);
                text = f[1].strip();
                durCol = 2;
            }
            int[] durations = null;
            if (f.length > durCol && !f[durCol].isBlank()) {
                String[] parts = f[durCol].strip().split("\\s+");
                durations = new int[parts.length];
                try {
                    for (int i = 0; i < parts.length; i++) durations[i] = Integer.parseInt(parts[i]);
                } catch (NumberFormatException e) {
                    throw new IOException(where + ": durations column must be integers separated by spaces");
                }
            }
            String id = ljspeech ? f[0].strip() : wav.getFileName().toString().replaceFirst("\\.[^.]*$", "");
            items.add(new Item(id, wav, text, durations));
        }
        if (items.isEmpty()) throw new IOException(file + ": no items");
        return new Dataset(file, items);
    }

    /** Deterministic split: every k-th item (at least one, at most 10%) goes to validation. */
    List<List<Item>> split(double validFraction) {
        List<Item> train = new ArrayList<>(), valid = new ArrayList<>();
        int nValid = items.size() < 2 ? 0 : Math.max(1, (int) Math.round(items.size() * validFraction));
        int every = nValid == 0 ? Integer.MAX_VALUE : Math.max(1, items.size() / nValid);
        for (int i = 0; i < items.size(); i++) {
            if (nValid > 0 && i % every == every - 1 && valid.size() < nValid) valid.add(items.get(i));
            else train.add(items.get(i));
        }
        return List.of(train, valid);
    }
}
