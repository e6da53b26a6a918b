package dev.kokoro.trainer;

import dev.kokoro.audio.MelSpectrogram;
import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Pth;
import dev.kokoro.g2p.Phonemizer;
import dev.kokoro.g2p.Tokenizer;
import dev.kokoro.model.KModel;
import dev.kokoro.model.Voice;
import dev.kokoro.model.surgery.Surgery;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code voice}: learns a voice for a speaker with the whole model frozen. One style vector [1, 256]
 * (initialised from the starting pack's row for the median utterance length) is trained with the same
 * loss as {@code train}, then written as a Kokoro voice pack (.pt, [510, 1, 256], every row that vector).
 */
final class VoiceCommand {
    private VoiceCommand() {}

    static int run(String[] argv) throws Exception {
        Args a = TrainCommand.options("voice");
        a.option("save", "FILE", null, "where to write the learned voice pack (.pt)");
        if (!a.parse(argv, "Learns a new voice pack for the speaker of --data: the model (original, surgered or fine-tuned)\n"
                + "stays frozen and only the style vector trains. --voice gives the starting pack. Weight decay is\n"
                + "applied to the style vector too: pass --weight-decay 0 to turn it off.")) return 0;
        dev.kokoro.engine.Device device = Devices.training(a.str("device"));
        Path modelPath = Path.of(a.required("model"));
        Path save = Path.of(a.required("save"));
        KModel model = Models.load(modelPath, a.path("config"));
        Voice start = Voice.load(Path.of(a.required("voice")));
        Dataset data = Dataset.open(Path.of(a.required("data")));
        if (Surgery.isSurgered(model) && data.items().stream().anyMatch(i -> i.durations() == null))
            throw new Args.UsageException("voice: " + modelPath + " is surgered, so DTW durations are not available; give durations in the data or the original model");
        RunDir run = new RunDir(Path.of(a.str("out")));
        Tokenizer tok = new Tokenizer(model.cfg.vocab());
        G2pCache g2p = new G2pCache(run.dir.resolve("g2p.tsv"), Phonemizer::american);
        List<List<Dataset.Item>> split = data.split(a.real("valid-fraction"));
        Prepare prep = new Prepare(model);
        Prepare.DurationSource src = a.str("durations").equals("stretch") ? Prepare.DurationSource.STRETCH : Prepare.DurationSource.DTW;
        Map<String, Path> grids = TextGrids.index(a.path("textgrids"));
        List<Peft.Example> train = TrainCommand.prepare("prepare train", split.get(0), prep, tok, g2p, start, src, grids);
        List<Peft.Example> valid = TrainCommand.prepare("prepare valid", split.get(1), prep, tok, g2p, start, src, grids);
        if (train.isEmpty()) throw new IOException(data.source() + ": no usable training item");

        List<Integer> lengths = new ArrayList<>();
        for (Peft.Example ex : train) lengths.add(ex.ids().size(1) - 2);
        lengths.sort(null);
        Tensor style = start.style(lengths.get(lengths.size() / 2)).to(DType.F32).copy();
        model.requiresGrad(false);
        if (device != dev.kokoro.engine.Device.CPU) {
            model.to(device);
            style = style.to(device).detach();
        }
        style.requiresGrad(true);
        model.deterministic(!a.bool("source-noise"));
        List<Peft.Example> tr = withStyle(train, style), va = withStyle(valid, style);
        System.out.printf(Locale.ROOT, "learning a style vector (256 values) on %d utterances; the model (%,d parameters) is frozen%n",
                tr.size(), model.parameterCount());
        Peft.Weights w = new Peft.Weights(a.real("w-mel"), a.real("w-dur"), a.real("w-ce"), a.real("w-f0"), a.real("w-energy"));
        TrainLoop loop = new TrainLoop(run, Map.of("style", style), a.real("lr"), a.real("weight-decay"), Map.of("kind", "kokoro-mamba voice checkpoint"));
        int startStep = a.bool("resume") ? loop.resume() : 0;
        MelSpectrogram mel = new MelSpectrogram();
        int batch = Math.max(1, a.integer("batch"));
        TrainCommand.Batches order = new TrainCommand.Batches(tr.size(), a.integer("seed"));
        TrainLoop.Step step = s -> TrainCommand.accumulate(model, mel, w, batch, j -> tr.get(order.item(s, j, batch)));
        List<Peft.Example> probe = va.isEmpty() ? tr.subList(0, Math.min(2, tr.size())) : va;
        TrainLoop.Schedule sch = new TrainLoop.Schedule(a.integer("steps"), Math.max(1, a.integer("log-every")), a.integer("checkpoint-every"),
                a.integer("valid-every"), a.integer("sample-every"), a.real("clip"));
        int rc = loop.run(startStep, sch, step, s -> Validation.run(model, mel, probe, w, run, s),
                s -> Validation.samples(model, probe.subList(0, Math.min(2, probe.size())), run, s));
        if (rc != 0) return rc;
        int rows = start.rows();
        Tensor pack = Tensor.zeros(DType.F32, rows, 1, style.size(1));
        float[] v = style.toFloatArray(), p = pack.f32();
        for (int r = 0; r < rows; r++) System.arraycopy(v, 0, p, r * v.length, v.length);
        Pth.write(save, pack);
        System.out.printf("wrote %s (voice pack [%d, 1, %d])%n", save, rows, v.length);
        return 0;
    }

    private static List<Peft.Example> withStyle(List<Peft.Example> xs, Tensor style) {
        List<Peft.Example> out = new ArrayList<>();
        for (Peft.Example ex : xs)
            out.add(new Peft.Example(ex.id(), ex.ids(), style, ex.targetDur(), ex.targetLogMel(), ex.f0(), ex.energy()));
        return out;
    }
}
