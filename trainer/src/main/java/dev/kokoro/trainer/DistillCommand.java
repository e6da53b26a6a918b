package dev.kokoro.trainer;

import dev.kokoro.engine.Tensor;
import dev.kokoro.g2p.Phonemizer;
import dev.kokoro.g2p.Tokenizer;
import dev.kokoro.model.KModel;
import dev.kokoro.model.Voice;
import dev.kokoro.model.prosody.DurationEncoding;
import dev.kokoro.model.surgery.Surgery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code distill}: text-only warm start of the Mamba encoder from the original DurationEncoder. */
final class DistillCommand {
    private DistillCommand() {}

    record Utterance(String id, Tensor ids, Tensor refS) {}

    static int run(String[] argv) throws Exception {
        Args a = new Args("distill")
                .option("model", "FILE", null, "the original Kokoro checkpoint (its DurationEncoder is the teacher)")
                .option("config", "FILE", null, "config.json (default: beside the model, else the embedded v1.0 config)")
                .option("voice", "FILE", null, "voice pack (.pt or .bin) for the style vectors")
                .option("texts", "FILE", null, "one sentence per line (or use --data)")
                .option("data", "DIR|FILE", null, "a training dataset: only its texts are used")
                .option("out", "DIR", "runs/distill", "run directory (checkpoint.safetensors, train.csv)")
                .option("steps", "N", "500", "optimizer steps")
                .option("batch", "N", "8", "sentences per step")
                .option("lr", "X", "1e-3", "AdamW learning rate")
                .option("weight-decay", "X", "0.01", "AdamW weight decay")
                .option("clip", "X", "1.0", "gradient clipping (global L2 norm; 0: off)")
                .option("seed", "N", "0", "seed of the Mamba initialisation and the sentence order")
                .option("checkpoint-every", "N", "100", "checkpoint every N steps (and at the end)")
                .option("device", "cpu|cuda", "cpu", "where to train")
                .flag("resume", "continue from the checkpoint in --out");
        if (!a.parse(argv, "Trains the grafted Mamba encoder to reproduce the original DurationEncoder's output and the\n"
                + "durations computed from it, on text alone, so the surgered model speaks from its first step.\n"
                + "train.csv: loss_mel holds the encoder-output L1, loss_dur the duration L1.")) return 0;
        Devices.training(a.str("device"));
        KModel model = Models.load(Path.of(a.required("model")), a.path("config"));
        if (Surgery.isSurgered(model)) throw new Args.UsageException("distill: needs the original checkpoint (its DurationEncoder is the teacher)");
        Voice voice = Voice.load(Path.of(a.required("voice")));
        List<String> texts = new ArrayList<>();
        if (a.has("texts")) for (String l : Files.readAllLines(Path.of(a.str("texts")))) if (!l.isBlank()) texts.add(l.strip());
        if (a.has("data")) for (Dataset.Item it : Dataset.open(Path.of(a.str("data"))).items()) texts.add(it.text());
        if (texts.isEmpty()) throw new Args.UsageException("distill: give --texts or --data with at least one sentence");
        RunDir run = new RunDir(Path.of(a.str("out")));
        Tokenizer tok = new Tokenizer(model.cfg.vocab());
        G2pCache g2p = new G2pCache(run.dir.resolve("g2p.tsv"), Phonemizer::american);
        List<Utterance> utts = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            for (long[] ids : tok.encodeChunks(g2p.phonemes(texts.get(i)))) {
                if (ids.length <= 2) continue;
                utts.add(new Utterance("text" + (i + 1), Tensor.of(ids, 1, ids.length), voice.style(ids.length - 2)));
            }
        }
        g2p.save();
        return distill(model, utts, run, a);
    }

    static int distill(KModel model, List<Utterance> utts, RunDir run, Args a) throws Exception {
        if (utts.isEmpty()) throw new IOException("distill: no usable sentence");
        Surgery.Result sr = Surgery.apply(model, a.integer("seed"));
        DurationEncoding teacher = sr.original();
        dev.kokoro.engine.Device device = Devices.training(a.str("device"));
        if (device != dev.kokoro.engine.Device.CPU) {
            model.to(device);
            if (teacher instanceof dev.kokoro.model.nn.Module m) m.to(device);
        }
        Map<String, Tensor> params = Surgery.trainable(model);
        System.out.printf("distilling the DurationEncoder into the Mamba block (%,d parameters) on %d sentences%n",
                sr.encoder().parameterCount(), utts.size());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("kind", "kokoro-mamba distillation checkpoint");
        TrainLoop loop = new TrainLoop(run, params, a.real("lr"), a.real("weight-decay"), meta);
        int start = a.bool("resume") ? loop.resume() : 0;
        int batch = Math.max(1, a.integer("batch"));
        TrainCommand.Batches order = new TrainCommand.Batches(utts.size(), a.integer("seed"));
        TrainLoop.Step step = s -> {
            double tot = 0, d = 0, dur = 0;
            for (int j = 0; j < batch; j++) {
                Utterance u = utts.get(order.item(s, j, batch));
                Tensor[] l = Distill.loss(model, teacher, u.ids(), u.refS());
                l[0].mul(1.0 / batch).backward();
                tot += l[0].item();
                d += l[1].item();
                dur += l[2].item();
            }
            return new Losses(tot / batch, d / batch, dur / batch, 0, 0);
        };
        TrainLoop.Schedule sch = new TrainLoop.Schedule(a.integer("steps"), 1, a.integer("checkpoint-every"), 0, 0, a.real("clip"));
        int rc = loop.run(start, sch, step, null, null);
        if (rc == 0) System.out.printf("done: %s; continue with train --model <original> ... after export, or export it now%n", run.checkpoint());
        return rc;
    }
}
