package dev.kokoro.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.audio.Wav;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Fixtures;
import dev.kokoro.g2p.Espeak;
import dev.kokoro.model.KModel;
import dev.kokoro.model.surgery.Surgery;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end on the tiny fixture model: train, resume, export, parity, errors. */
class CliTest {
    static Path model, config, voice;

    @BeforeAll
    static void fixtures() {
        assumeTrue(Fixtures.exists("kokoro-tiny.pth") && Fixtures.exists("af_heart.pt"), "fixtures missing");
        model = Fixtures.file("kokoro-tiny.pth");
        config = Fixtures.file("kokoro-tiny.config.json");
        voice = Fixtures.file("af_heart.pt");
    }

    /** A list-file dataset of chirps at 22.05 kHz (resampled to 24 kHz by the trainer). */
    static Path dataset(Path dir, String... texts) throws Exception {
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < texts.length; i++) {
            float[] x = new float[22050 / 2 + 4000 * i];
            for (int n = 0; n < x.length; n++) x[n] = (float) (0.3 * Math.sin(2 * Math.PI * (120 + 40 * i + 0.01 * n) * n / 22050.0));
            Path wav = dir.resolve("utt" + i + ".wav");
            Files.write(wav, Wav.encode16(x, 22050));
            list.append(wav.getFileName()).append('|').append(texts[i]).append('\n');
        }
        Path file = dir.resolve("list.txt");
        Files.writeString(file, list);
        return file;
    }

    static int cli(String... args) {
        return Cli.run(args);
    }

    @Test
    void trainResumeAndExport(@TempDir Path tmp) throws Exception {
        assumeTrue(Espeak.available(), "espeak-ng not installed");
        Path data = dataset(tmp, "Hello world.", "A second sentence here.", "And a third one.");
        Path run = tmp.resolve("run");
        String[] common = {"--model", model.toString(), "--config", config.toString(), "--voice", voice.toString(),
                "--data", data.toString(), "--out", run.toString(), "--batch", "1", "--valid-fraction", "0.34",
                "--valid-every", "2", "--sample-every", "2", "--checkpoint-every", "1"};
        assertEquals(0, cli(concat(new String[] {"train", "--steps", "2"}, common)));
        List<String> csv = Files.readAllLines(run.resolve("train.csv"));
        assertEquals(RunDir.CSV_HEADER, csv.get(0));
        assertEquals(3, csv.size());
        assertTrue(Files.exists(run.resolve("valid.csv")));
        try (var s = Files.list(run.resolve("samples"))) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith("step-000002")));
        }
        RunDir.Saved at2 = RunDir.load(run.resolve("checkpoint.safetensors"));
        assertEquals(2, at2.step());
        assertEquals(2, at2.adamStep());

        assertEquals(0, cli(concat(new String[] {"train", "--steps", "3", "--resume"}, common)));
        csv = Files.readAllLines(run.resolve("train.csv"));
        assertEquals(4, csv.size());
        assertTrue(csv.get(3).startsWith("3,"));
        RunDir.Saved at3 = RunDir.load(run.resolve("checkpoint.safetensors"));
        assertEquals(3, at3.adamStep());

        Path out = tmp.resolve("finetuned.pth");
        assertEquals(0, cli("export", "--model", model.toString(), "--config", config.toString(), "--run", run.toString(), "--out", out.toString()));
        KModel loaded = Models.load(out, config);
        assertTrue(Surgery.isSurgered(loaded));
        Map<String, Tensor> trained = at3.params();
        assertEquals(9, trained.size());
        for (var e : trained.entrySet())
            assertArrayEquals(e.getValue().toFloatArray(), loaded.namedParams().get(e.getKey()).get().toFloatArray(), 0f, e.getKey());
        assertEquals(0, cli("synth", "--model", out.toString(), "--config", config.toString(), "--voice", voice.toString(),
                "--phonemes", "həlˈO.", "--out", tmp.resolve("s.wav").toString()));
        assertTrue(Wav.read(tmp.resolve("s.wav")).samples().length > 0);
    }

    @Test
    void unreadableRecordingsAreSkippedAndANonFiniteLossStopsWithTheItemsNamed(@TempDir Path tmp) throws Exception {
        assumeTrue(Espeak.available(), "espeak-ng not installed");
        Path data = dataset(tmp, "Hello world.", "Broken audio.");
        Files.write(tmp.resolve("utt1.wav"), floatWav(new float[] {0.1f, Float.NaN, 0.2f}, 2000, 24000));
        String[] common = {"--model", model.toString(), "--config", config.toString(), "--data", data.toString(),
                "--out", tmp.resolve("run").toString(), "--steps", "3", "--batch", "1", "--valid-fraction", "0"};
        Captured c = capture(() -> cli(concat(new String[] {"train", "--voice", voice.toString()}, common)));
        assertEquals(0, c.rc, c.err);
        assertTrue(c.err.contains("skipping utt1") && c.err.contains("NaN"), c.err);

        // durations given, and a voice pack of NaN: the first step's loss is NaN
        var tok = new dev.kokoro.g2p.Tokenizer(dev.kokoro.model.KokoroConfig.load(config).vocab());
        int t = tok.encode(dev.kokoro.g2p.Phonemizer.american().phonemize("Hello world.")).length;
        Files.writeString(data, "utt0.wav|Hello world.|" + "2 ".repeat(t).strip() + "\n");
        float[] nan = new float[510 * 256];
        java.util.Arrays.fill(nan, Float.NaN);
        ByteBuffer bb = ByteBuffer.allocate(4 * nan.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : nan) bb.putFloat(v);
        Path badVoice = tmp.resolve("nan.bin");
        Files.write(badVoice, bb.array());
        Captured d = capture(() -> cli(concat(new String[] {"train", "--voice", badVoice.toString()}, common)));
        assertEquals(TrainLoop.EXIT_NONFINITE, d.rc, d.err);
        assertTrue(d.err.contains("non-finite loss at step 1 (items utt0)"), d.err);
    }

    record Captured(int rc, String err) {}

    static Captured capture(java.util.function.IntSupplier body) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true));
        try {
            return new Captured(body.getAsInt(), err.toString());
        } finally {
            System.setErr(old);
        }
    }

    @Test
    void voiceLearnsOnlyTheStyleAndWritesAPack(@TempDir Path tmp) throws Exception {
        assumeTrue(Espeak.available(), "espeak-ng not installed");
        Path data = dataset(tmp, "Hello world.", "Another one.");
        Path pack = tmp.resolve("me.pt");
        assertEquals(0, cli("voice", "--model", model.toString(), "--config", config.toString(), "--voice", voice.toString(),
                "--data", data.toString(), "--out", tmp.resolve("run").toString(), "--steps", "2", "--batch", "1",
                "--valid-fraction", "0", "--lr", "1e-2", "--save", pack.toString()));
        Tensor learned = dev.kokoro.engine.io.Pth.readTensor(pack);
        assertArrayEquals(new int[] {510, 1, 256}, learned.shape());
        float[] start = dev.kokoro.model.Voice.load(voice).pack.toFloatArray(), got = learned.toFloatArray();
        for (int r = 0; r < 510; r++) { // it started as one of the pack's rows and must have moved away from it
            boolean differs = false;
            for (int i = 0; i < 256; i++) differs |= Math.abs(got[i] - start[r * 256 + i]) > 1e-6;
            assertTrue(differs, "the learned style equals row " + r + " of the starting pack");
        }
        for (int r = 1; r < 510; r++) assertArrayEquals(java.util.Arrays.copyOf(got, 256), java.util.Arrays.copyOfRange(got, r * 256, r * 256 + 256), 0f);
    }

    @Test
    void textGridsGiveTheDurations(@TempDir Path tmp) throws Exception {
        assumeTrue(Espeak.available(), "espeak-ng not installed");
        Path data = dataset(tmp, "Hello world.", "Another one.");
        Path grids = Files.createDirectories(tmp.resolve("mfa/speaker"));
        String[][] phones = {{"", "0", "0.05"}, {"HH", "0.05", "0.1"}, {"AH0", "0.1", "0.15"}, {"L", "0.15", "0.2"}, {"OW1", "0.2", "0.25"},
                {"W", "0.25", "0.3"}, {"ER1", "0.3", "0.35"}, {"L", "0.35", "0.4"}, {"D", "0.4", "0.45"}, {"", "0.45", "0.5"}};
        StringBuilder tg = new StringBuilder("File type = \"ooTextFile\"\nObject class = \"TextGrid\"\n\nxmin = 0\nxmax = 0.5\ntiers? <exists>\nsize = 1\nitem []:\n"
                + "    item [1]:\n        class = \"IntervalTier\"\n        name = \"phones\"\n        xmin = 0\n        xmax = 0.5\n        intervals: size = " + phones.length + "\n");
        for (int i = 0; i < phones.length; i++)
            tg.append("        intervals [").append(i + 1).append("]:\n            xmin = ").append(phones[i][1]).append("\n            xmax = ")
                    .append(phones[i][2]).append("\n            text = \"").append(phones[i][0]).append("\"\n");
        Files.writeString(grids.resolve("utt0.TextGrid"), tg.toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true));
        int rc;
        try {
            rc = cli("train", "--model", model.toString(), "--config", config.toString(), "--voice", voice.toString(), "--data", data.toString(),
                    "--textgrids", tmp.resolve("mfa").toString(), "--out", tmp.resolve("run").toString(), "--steps", "1", "--batch", "1",
                    "--valid-fraction", "0");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, rc, out.toString());
        assertTrue(out.toString().contains("TEXTGRID=1") && out.toString().contains("DTW=1"), out.toString());
    }

    @Test
    void parityPassesOnTheFixtureAndFailsWithAnImpossibleTolerance() throws Exception {
        assumeTrue(Fixtures.exists("kokoro-tiny.ref.safetensors"), "fixture missing");
        String ref = Fixtures.file("kokoro-tiny.ref.safetensors").toString();
        assertEquals(0, cli("parity", "--model", model.toString(), "--config", config.toString(), "--reference", ref));
        assertEquals(1, cli("parity", "--model", model.toString(), "--config", config.toString(), "--reference", ref, "--tol", "1e-12"));
    }

    @Test
    void allowMissingLoadsAPartialCheckpoint(@TempDir Path tmp) throws Exception {
        Map<String, Tensor> flat = new java.util.LinkedHashMap<>(Models.readFlat(model));
        flat.keySet().removeIf(k -> k.startsWith("decoder.module.generator.conv_post."));
        Path partial = tmp.resolve("partial.safetensors");
        dev.kokoro.engine.io.Safetensors.write(partial, flat, Map.of());
        String[] synth = {"synth", "--model", partial.toString(), "--config", config.toString(), "--voice", voice.toString(),
                "--phonemes", "həlˈO.", "--out", tmp.resolve("p.wav").toString()};
        assertEquals(1, cli(synth));
        Captured c = capture(() -> cli(concat(synth, new String[] {"--allow-missing"})));
        assertEquals(0, c.rc, c.err);
        assertTrue(c.err.contains("lacks 3 parameters") && c.err.contains("decoder.generator.conv_post.bias"), c.err);
    }

    @Test
    void badInputGivesAMessageAndANonZeroExit(@TempDir Path tmp) {
        assertEquals(1, cli("synth", "--model", tmp.resolve("missing.pth").toString(), "--voice", "x", "--phonemes", "a"));
        assertEquals(2, cli("train", "--no-such-option"));
        assertEquals(2, cli("nonsense"));
        assertEquals(0, cli("train", "--help"));
    }

    /** A float32 WAV whose samples repeat {@code pattern} (NaN allowed: 16-bit cannot hold it). */
    static byte[] floatWav(float[] pattern, int n, int rate) {
        ByteBuffer b = ByteBuffer.allocate(44 + 4 * n).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + 4 * n).put("WAVE".getBytes()).put("fmt ".getBytes()).putInt(16)
                .putShort((short) 3).putShort((short) 1).putInt(rate).putInt(rate * 4).putShort((short) 4).putShort((short) 32)
                .put("data".getBytes()).putInt(4 * n);
        for (int i = 0; i < n; i++) b.putFloat(pattern[i % pattern.length]);
        return b.array();
    }

    static String[] concat(String[] a, String[] b) {
        String[] r = new String[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
