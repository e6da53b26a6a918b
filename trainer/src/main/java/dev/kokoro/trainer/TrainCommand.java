package dev.kokoro.trainer;

import dev.kokoro.audio.MelSpectrogram;
import dev.kokoro.audio.MfaDurations;
import dev.kokoro.audio.TextGrid;
import dev.kokoro.audio.Resampler;
import dev.kokoro.audio.Wav;
import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.Tensor;
import dev.kokoro.g2p.Phonemizer;
import dev.kokoro.g2p.Tokenizer;
import dev.kokoro.model.KModel;
import dev.kokoro.model.Voice;
import dev.kokoro.model.surgery.Surgery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code train}: Mamba surgery, then PEFT of the Mamba block on a user's (text, wav) data. */
final class TrainCommand {
    private TrainCommand() {}

    static Args options(String name) {
        return new Args(name)
                .option("model", "FILE", null, "the original Kokoro checkpoint (kokoro-v1_0.pth) or a surgered export")
                .option("config", "FILE", null, "config.json (default: beside the model, else the embedded v1.0 config)")
                .option("voice", "FILE", null, "voice pack (.pt or raw .bin [510,1,256]) giving the style vector")
                .option("data", "DIR|FILE", null, "LJSpeech-style folder (metadata.csv, wavs/) or a list file 'path.wav|text[|durations]'")
                .option("out", "DIR", "runs/train", "run directory: train.csv, checkpoint.safetensors, samples/, valid.csv")
                .option("steps", "N", "1000", "optimizer steps")
                .option("batch", "N", "4", "utterances per step (gradients averaged)")
                .option("lr", "X", "1e-4", "AdamW learning rate")
                .option("weight-decay", "X", "0.01", "AdamW decoupled weight decay")
                .option("clip", "X", "1.0", "clip gradients to this global L2 norm (0: off)")
                .option("seed", "N", "0", "seed for the Mamba initialisation and the data order")
                .option("init", "FILE", null, "start the Mamba block from a distill/train checkpoint.safetensors")
                .option("durations", "auto|dtw|stretch", "auto", "target durations when the data gives none: DTW against the original model's synthesis, or its durations stretched")
                .option("textgrids", "DIR", null, "Montreal Forced Aligner output: <id>.TextGrid files (searched recursively) give the durations")
                .option("w-mel", "X", "1", "weight of the log-mel L1 loss")
                .option("w-dur", "X", "1", "weight of the duration L1 loss")
                .option("w-ce", "X", "0", "weight of the per-bin duration cross-entropy (StyleTTS2)")
                .option("w-f0", "X", "0", "weight of the F0 L1 loss against the tracked pitch")
                .option("w-energy", "X", "0", "weight of the energy L1 loss")
                .option("valid-fraction", "X", "0.05", "share of items held out for validation")
                .option("log-every", "N", "1", "write a train.csv row every N steps")
                .option("checkpoint-every", "N", "100", "write the checkpoint every N steps (and at the end)")
                .option("valid-every", "N", "100", "validation metrics every N steps")
                .option("sample-every", "N", "200", "sample WAVs of validation sentences every N steps")
                .option("device", "cpu|cuda", "cpu", "where to train")
                .flag("source-noise", "keep the sine source's random phase and noise (off: deterministic, as the fixtures)")
                .flag("resume", "continue from the checkpoint in --out, with its optimizer state");
    }

    static int run(String[] argv) throws Exception {
        Args a = options("train");
        if (!a.parse(argv, "Replaces the prosody DurationEncoder with a Mamba block and fine-tunes only that block on your\n"
                + "recordings (L1 log-mel loss + duration loss, teacher-forced with target durations, AdamW).")) return 0;
        Devices.training(a.str("device"));   // fails early when CUDA is asked for and missing
        Path modelPath = Path.of(a.required("model"));
        KModel model = Models.load(modelPath, a.path("config"));
        Voice voice = Voice.load(Path.of(a.required("voice")));
        Dataset data = Dataset.open(Path.of(a.required("data")));
        RunDir run = new RunDir(Path.of(a.str("out")));
        Prepare.DurationSource durSource = switch (a.str("durations")) {
            case "auto", "dtw" -> Prepare.DurationSource.DTW;
            case "stretch" -> Prepare.DurationSource.STRETCH;
            default -> throw new Args.UsageException("train: --durations must be auto, dtw or stretch");
        };
        if (Surgery.isSurgered(model) && data.items().stream().anyMatch(i -> i.durations() == null))
            throw new Args.UsageException("train: " + modelPath + " is already surgered, so the original model's durations are not available"
                    + " for DTW; give the original checkpoint, or durations in the data");
        Tokenizer tokenizer = new Tokenizer(model.cfg.vocab());
        G2pCache g2p = new G2pCache(run.dir.resolve("g2p.tsv"), Phonemizer::american);
        List<List<Dataset.Item>> split = data.split(a.real("valid-fraction"));
        Prepare prep = new Prepare(model);
        Map<String, Path> grids = TextGrids.index(a.path("textgrids"));
        List<Peft.Example> train = prepare("prepare train", split.get(0), prep, tokenizer, g2p, voice, durSource, grids);
        List<Peft.Example> valid = prepare("prepare valid", split.get(1), prep, tokenizer, g2p, voice, durSource, grids);
        if (train.isEmpty()) throw new IOException(data.source() + ": no usable training item (see the messages above)");
        return fineTune(model, train, valid, run, a, modelPath.toString());
    }

    /** Surgery (unless already done), then the training loop; shared with the demo. */
    static int fineTune(KModel model, List<Peft.Example> train, List<Peft.Example> valid, RunDir run, Args a, String source) throws Exception {
        if (!Surgery.isSurgered(model)) Surgery.apply(model, a.integer("seed"));
        else Surgery.freezeAllBut(model, (dev.kokoro.model.nn.Module) model.predictor.textEncoder());
        if (a.has("init")) initFrom(model, Path.of(a.str("init")));
        model.deterministic(!a.bool("source-noise"));
        dev.kokoro.engine.Device device = Devices.training(a.str("device"));
        if (device != dev.kokoro.engine.Device.CPU) {
            model.to(device);   // the trainable tensors are replaced by device copies: take them after the move
            System.out.println("device: " + device + " (model, loss and AdamW; data preparation stayed on the CPU)");
        }
        Map<String, Tensor> params = Surgery.trainable(model);
        long trainable = params.values().stream().mapToLong(Tensor::numel).sum();
        System.out.printf(Locale.ROOT, "parameters: %,d trainable (Mamba block) of %,d total (%.2f%%)%n", trainable, model.parameterCount(),
                100.0 * trainable / model.parameterCount());
        System.out.printf("data: %d training and %d validation utterances; run directory %s%n", train.size(), valid.size(), run.dir);
        Peft.Weights w = new Peft.Weights(a.real("w-mel"), a.real("w-dur"), a.real("w-ce"), a.real("w-f0"), a.real("w-energy"));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("source", source);
        meta.put("kind", "kokoro-mamba peft checkpoint");
        TrainLoop loop = new TrainLoop(run, params, a.real("lr"), a.real("weight-decay"), meta);
        int start = a.bool("resume") ? loop.resume() : 0;
        if (start > 0) System.out.printf("resuming from step %d (%s)%n", start, run.checkpoint());
        MelSpectrogram mel = new MelSpectrogram();
        int batch = Math.max(1, a.integer("batch"));
        Batches order = new Batches(train.size(), a.integer("seed"));
        TrainLoop.Step step = new TrainLoop.Step() {
            @Override
            public Losses run(int s) {
                return accumulate(model, mel, w, batch, j -> train.get(order.item(s, j, batch)));
            }

            @Override
            public String describe(int s) {
                List<String> ids = new ArrayList<>();
                for (int j = 0; j < batch; j++) ids.add(train.get(order.item(s, j, batch)).id());
                return "step " + s + " (items " + String.join(", ", ids) + ")";
            }
        };
        List<Peft.Example> probe = valid.isEmpty() ? train.subList(0, Math.min(2, train.size())) : valid;
        TrainLoop.Schedule sch = new TrainLoop.Schedule(a.integer("steps"), Math.max(1, a.integer("log-every")),
                a.integer("checkpoint-every"), a.integer("valid-every"), a.integer("sample-every"), a.real("clip"));
        int rc = loop.run(start, sch, step, s -> Validation.run(model, mel, probe, w, run, s),
                s -> Validation.samples(model, probe.subList(0, Math.min(2, probe.size())), run, s));
        if (rc == 0) System.out.printf("done: %s (checkpoint), %s (log)%n", run.checkpoint(), run.dir.resolve("train.csv"));
        return rc;
    }

    /**
     * Forward and backward of {@code batch} utterances ({@code pick.apply(j)}), each loss scaled by 1/batch so
     * the gradients are the batch mean; returns the mean loss terms, or the first non-finite item's terms.
     */
    static Losses accumulate(KModel model, MelSpectrogram mel, Peft.Weights w, int batch, java.util.function.IntFunction<Peft.Example> pick) {
        double tot = 0, m = 0, d = 0, f = 0, e = 0;
        for (int j = 0; j < batch; j++) {
            Peft.Result r = Peft.loss(model, mel, pick.apply(j), w);
            if (!r.parts().finite()) return r.parts();
            r.loss().mul(1.0 / batch).backward();
            tot += r.parts().total(); m += r.parts().mel(); d += r.parts().dur(); f += r.parts().f0(); e += r.parts().energy();
        }
        return new Losses(tot / batch, m / batch, d / batch, f / batch, e / batch);
    }

    /** Reads, resamples, phonemizes and prepares targets; unusable items are reported and skipped. */
    static List<Peft.Example> prepare(String label, List<Dataset.Item> items, Prepare prep, Tokenizer tok, G2pCache g2p,
                                      Voice voice, Prepare.DurationSource durSource, Map<String, Path> grids) throws IOException {
        List<Peft.Example> out = new ArrayList<>();
        Progress p = new Progress(label, items.size());
        int done = 0, skipped = 0;
        Map<Prepare.DurationSource, Integer> sources = new LinkedHashMap<>();
        for (Dataset.Item it : items) {
            try {
                if (it.text().isBlank()) throw new IllegalArgumentException("empty text");
                String phonemes = tok.filter(g2p.phonemes(it.text()));
                int n = phonemes.codePointCount(0, phonemes.length());
                if (n == 0) throw new IllegalArgumentException("no phonemes for text '" + it.text() + "'");
                if (n > Tokenizer.MAX_PHONEMES)
                    throw new IllegalArgumentException(n + " phonemes exceed Kokoro's " + Tokenizer.MAX_PHONEMES + "; split the utterance");
                long[] ids = tok.encode(phonemes);
                Wav.Audio wav = Wav.read(it.wav());
                float[] audio = Resampler.toKokoroRate(wav.samples(), wav.sampleRate());
                if (audio.length < 2 * Prepare.FRAME) throw new IllegalArgumentException("recording shorter than two frames");
                Tensor idT = Tensor.of(ids, 1, ids.length);
                Tensor refS = voice.style(n);
                int[] given = it.durations();
                Path grid = grids.get(it.id());
                if (given == null && grid != null)
                    given = MfaDurations.fromTextGrid(TextGrid.read(grid), phonemes, audio.length / Prepare.FRAME);
                int[] dur = given;
                Prepare.Prepared pr = Autograd.noGrad(() -> prep.example(it.id(), idT, refS, audio, dur, durSource));
                sources.merge(it.durations() == null && grid != null ? Prepare.DurationSource.TEXTGRID : pr.source(), 1, Integer::sum);
                out.add(pr.example());
            } catch (IOException | RuntimeException e) {
                skipped++;
                System.err.printf("%nskipping %s (%s): %s%n", it.id(), it.wav(), e.getMessage());
            }
            p.update(++done, "");
        }
        g2p.save();
        if (!items.isEmpty()) System.out.printf("%s: %d usable, %d skipped; durations from %s%n", label, out.size(), skipped, sources);
        return out;
    }

    /** Deterministic batches: epoch k visits the items in a permutation seeded by (seed, k). */
    static final class Batches {
        private final int n;
        private final long seed;
        private int cachedEpoch = -1;
        private int[] perm;

        Batches(int n, long seed) {
            this.n = n;
            this.seed = seed;
        }

        int item(int step, int j, int batch) {
            long pos = (long) (step - 1) * batch + j;
            int epoch = (int) (pos / n);
            if (epoch != cachedEpoch) {
                perm = new int[n];
                for (int i = 0; i < n; i++) perm[i] = i;
                java.util.SplittableRandom r = new java.util.SplittableRandom(seed * 1_000_003L + epoch);
                for (int i = n - 1; i > 0; i--) {
                    int k = r.nextInt(i + 1), t = perm[i];
                    perm[i] = perm[k];
                    perm[k] = t;
                }
                cachedEpoch = epoch;
            }
            return perm[(int) (pos % n)];
        }
    }

    /** Copies the trained tensors of a distill/train checkpoint into the (surgered) model. */
    static void initFrom(KModel model, Path ckpt) throws IOException {
        Checkpoints.copyTrained(model, ckpt);
        System.out.println("Mamba block initialised from " + ckpt);
    }
}
