package dev.kokoro.trainer;

import dev.kokoro.engine.AdamW;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Safetensors;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A training run's folder: {@code train.csv}, {@code checkpoint.safetensors} (trainable parameters,
 * AdamW moments and step, written to a temporary file and renamed, so a crash never leaves a torn
 * checkpoint), {@code samples/} and {@code valid.csv}.
 */
final class RunDir {
    static final String CSV_HEADER = "step,loss,loss_mel,loss_dur,loss_f0,loss_energy,lr,seconds";
    final Path dir;
    private final Path csv;

    RunDir(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir.resolve("samples"));
        this.csv = dir.resolve("train.csv");
    }

    Path checkpoint() {
        return dir.resolve("checkpoint.safetensors");
    }

    /** Starts train.csv, or keeps it when resuming (rows past {@code keepUpToStep} are dropped). */
    void startCsv(int keepUpToStep) throws IOException {
        List<String> rows = new ArrayList<>();
        rows.add(CSV_HEADER);
        if (keepUpToStep > 0 && Files.exists(csv)) {
            for (String l : Files.readAllLines(csv)) {
                if (l.startsWith("step") || l.isBlank()) continue;
                int step = Integer.parseInt(l.substring(0, l.indexOf(',')));
                if (step <= keepUpToStep) rows.add(l);
            }
        }
        Files.write(csv, rows);
    }

    void logRow(int step, Losses l, double lr, double seconds) throws IOException {
        String row = String.format(Locale.ROOT, "%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.3g,%.3f%n", step, l.total(), l.mel(), l.dur(), l.f0(), l.energy(), lr, seconds);
        try (Writer w = Files.newBufferedWriter(csv, StandardOpenOption.APPEND)) {
            w.write(row);
        }
    }

    void appendLine(String file, String header, String line) throws IOException {
        Path p = dir.resolve(file);
        if (!Files.exists(p)) Files.writeString(p, header + "\n");
        Files.writeString(p, line + "\n", StandardOpenOption.APPEND);
    }

    /** Writes trainable parameters and optimizer state atomically. */
    void saveCheckpoint(int step, Map<String, Tensor> params, AdamW opt, Map<String, String> meta) throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        params.forEach((k, v) -> t.put("param." + k, host(v)));
        if (opt != null) {
            List<String> names = new ArrayList<>(params.keySet());
            for (int i = 0; i < names.size(); i++) {
                t.put("adam.exp_avg." + names.get(i), host(opt.expAvg().get(i)));
                t.put("adam.exp_avg_sq." + names.get(i), host(opt.expAvgSq().get(i)));
            }
        }
        Map<String, String> m = new LinkedHashMap<>(meta);
        m.put("step", Integer.toString(step));
        m.put("adam_step", Integer.toString(opt == null ? 0 : opt.stepCount()));
        Safetensors.write(checkpoint(), t, m);
    }

    /** A host copy of a device tensor (checkpoints are written from the host). */
    static Tensor host(Tensor t) { return t.detach().to(dev.kokoro.engine.Device.CPU); }

    record Saved(int step, int adamStep, Map<String, Tensor> params, Map<String, Tensor> expAvg,
                 Map<String, Tensor> expAvgSq, Map<String, String> meta) {}

    static Saved load(Path file) throws IOException {
        Safetensors.Contents c = Safetensors.readWithMetadata(file);
        Map<String, Tensor> p = new LinkedHashMap<>(), m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
        c.tensors().forEach((k, t) -> {
            if (k.startsWith("param.")) p.put(k.substring(6), t);
            else if (k.startsWith("adam.exp_avg_sq.")) v.put(k.substring(16), t);
            else if (k.startsWith("adam.exp_avg.")) m.put(k.substring(13), t);
        });
        int step = Integer.parseInt(c.metadata().getOrDefault("step", "0"));
        int adamStep = Integer.parseInt(c.metadata().getOrDefault("adam_step", "0"));
        return new Saved(step, adamStep, p, m, v, c.metadata());
    }
}
