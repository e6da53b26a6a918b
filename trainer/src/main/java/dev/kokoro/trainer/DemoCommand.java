package dev.kokoro.trainer;

import dev.kokoro.engine.Autograd;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;
import dev.kokoro.g2p.Tokenizer;
import dev.kokoro.model.KModel;
import dev.kokoro.model.KokoroConfig;
import dev.kokoro.model.Voice;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The main job on an embedded default (no arguments): a small random Kokoro speaks a few sentences
 * (the "recordings"), its DurationEncoder is replaced by a Mamba block, which is distilled and then
 * fine-tuned on those recordings; the loss falls. Weights are random: this shows the pipeline, not speech.
 */
final class DemoCommand {
    private DemoCommand() {}

    /** Phoneme strings in Kokoro's vocabulary (no espeak-ng needed). */
    static final String[] SENTENCES = {
            "həlˈO wˈɜɹld.", "ðə kwˈɪk bɹˈWn fˈɑks.", "kəkˈɔɹO spˈiks ɪn dʒˈɑvə.", "mˈæmbə ɹˈiplAsᵻz ðɪ ˈɛlɛstˌɛm.",
            "wˈʌn, tˈu, θɹˈi.", "ɪts ɐ bjˈuɾəfəl dˈA.", "plˈiz kˈɔl stˈɛlə.", "sˈɪks θˈɪk slˈæbz.",
    };

    static int run(String[] argv) throws Exception {
        Args a = TrainCommand.options("demo");
        a.option("distill-steps", "N", "40", "distillation steps before fine-tuning");
        String[] defaults = {"--steps", "100", "--batch", "2", "--lr", "2e-3", "--out", "runs/demo", "--valid-every", "25",
                "--sample-every", "100", "--checkpoint-every", "25", "--valid-fraction", "0.25"};
        String[] all = new String[defaults.length + argv.length];
        System.arraycopy(defaults, 0, all, 0, defaults.length);
        System.arraycopy(argv, 0, all, defaults.length, argv.length);
        if (!a.parse(all, "The embedded demo (also what runs with no arguments). Options as for train.")) return 0;
        System.out.println("""
                kokoro-mamba demo: the whole pipeline on a SMALL RANDOM Kokoro (hidden 32, PL-BERT 48x2),
                so the audio is noise-like. This is a demonstration of surgery, distillation and fine-tuning,
                not of speech quality. For the real thing:
                  java -jar trainer.jar train --model kokoro-v1_0.pth --voice af_heart.pt --data my_dataset/ --out runs/me
                (see java -jar trainer.jar --help and README.md)
                """);
        KokoroConfig cfg = Models.embedded("config-tiny.json");
        KModel model = KModel.random(cfg, 1);
        // Random duration heads give ~25 frames per token; bias them to a few frames, as the fixtures do.
        Tensor bias = model.predictor.durationProj.linearLayer.bias.get(), w = model.predictor.durationProj.linearLayer.weight.get();
        bias.fill(-2.7);
        w.copyFrom(w.mul(6.0));
        model.deterministic(true);
        Tensor pack = Tensor.randn(new SplittableRandom(2), DType.F32, 510, 1, 256).mul(0.3);
        Voice voice = new Voice(pack);
        Tokenizer tok = new Tokenizer(cfg.vocab());
        Prepare prep = new Prepare(model);
        List<Peft.Example> examples = new ArrayList<>();
        List<DistillCommand.Utterance> utts = new ArrayList<>();
        Progress p = new Progress("recording", SENTENCES.length);
        for (int i = 0; i < SENTENCES.length; i++) {
            long[] ids = tok.encode(SENTENCES[i]);
            Tensor idT = Tensor.of(ids, 1, ids.length), refS = voice.style(ids.length - 2);
            KModel.Output rec = Autograd.noGrad(() -> model.forwardWithTokens(idT, refS, 1.0));
            int[] dur = java.util.Arrays.stream(rec.predDur().toLongArray()).mapToInt(v -> (int) v).toArray();
            float[] audio = rec.audio().toFloatArray();
            String id = "demo" + (i + 1);
            examples.add(Autograd.noGrad(() -> prep.example(id, idT, refS, audio, dur, Prepare.DurationSource.GIVEN)).example());
            utts.add(new DistillCommand.Utterance(id, idT, refS));
            p.update(i + 1, "");
        }
        Path out = Path.of(a.str("out"));
        Args distillArgs = new Args("demo-distill").option("seed", "N", a.str("seed"), "").option("lr", "X", "3e-3", "")
                .option("weight-decay", "X", "0.01", "").option("batch", "N", "4", "").option("steps", "N", a.str("distill-steps"), "")
                .option("checkpoint-every", "N", "0", "").option("clip", "X", "1.0", "").option("device", "cpu|cuda", a.str("device"), "").flag("resume", "");
        distillArgs.parse(new String[0], "");
        System.out.println("\n== distillation (text only): the Mamba encoder learns the original DurationEncoder's output");
        int rc = DistillCommand.distill(model, utts, new RunDir(out.resolve("distill")), distillArgs);
        if (rc != 0) return rc;
        System.out.println("\n== fine-tuning on the recordings: L1 log-mel + duration loss, only the Mamba block trains");
        List<Peft.Example> train = new ArrayList<>(examples.subList(0, examples.size() - 2));
        List<Peft.Example> valid = new ArrayList<>(examples.subList(examples.size() - 2, examples.size()));
        RunDir run = new RunDir(out.resolve("train"));
        rc = TrainCommand.fineTune(model, train, valid, run, a, "embedded random tiny Kokoro");
        if (rc == 0) summarize(run);
        return rc;
    }

    static void summarize(RunDir run) throws java.io.IOException {
        List<String> rows = java.nio.file.Files.readAllLines(run.dir.resolve("train.csv"));
        if (rows.size() < 3) return;
        String[] first = rows.get(1).split(","), last = rows.get(rows.size() - 1).split(",");
        int n = Math.min(5, rows.size() - 1);
        double head = 0, tail = 0;
        for (int i = 1; i <= n; i++) head += Double.parseDouble(rows.get(i).split(",")[1]);
        for (int i = rows.size() - n; i < rows.size(); i++) tail += Double.parseDouble(rows.get(i).split(",")[1]);
        System.out.printf("%nloss: first %d steps %.4f on average, last %d steps %.4f (step %s: mel %s, dur %s)%n", n, head / n, n, tail / n,
                last[0], last[2], last[3]);
        System.out.println("run directory: " + run.dir + " (train.csv, valid.csv, checkpoint.safetensors, samples/)");
        System.out.println("This model is random. Point train at kokoro-v1_0.pth and your data to fine-tune the real Kokoro.");
    }
}
