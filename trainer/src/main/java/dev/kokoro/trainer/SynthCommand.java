package dev.kokoro.trainer;

import dev.kokoro.audio.Wav;
import dev.kokoro.engine.Device;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.backend.DeviceScope;
import dev.kokoro.engine.backend.Fallbacks;
import dev.kokoro.g2p.Phonemizer;
import dev.kokoro.g2p.Tokenizer;
import dev.kokoro.model.KModel;
import dev.kokoro.model.Voice;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code synth}: text or phonemes to a 24 kHz 16-bit WAV, with the real-time factor at the end. */
final class SynthCommand {
    private SynthCommand() {}

    static int run(String[] argv) throws Exception {
        Args a = new Args("synth")
                .option("model", "FILE", null, "Kokoro checkpoint (.pth or .safetensors; original, surgered or fine-tuned export)")
                .option("config", "FILE", null, "config.json (default: beside the model, else the embedded v1.0 config)")
                .option("voice", "FILE", null, "voice pack (.pt or raw .bin [510,1,256])")
                .option("text", "TEXT", null, "English text (phonemized with espeak-ng)")
                .option("phonemes", "PHONEMES", null, "Kokoro phonemes instead of --text")
                .option("out", "FILE", "out.wav", "output WAV (24 kHz, 16-bit mono)")
                .option("speed", "X", "1.0", "speaking rate: durations are divided by it")
                .option("lang", "en-us|en-gb", "en-us", "espeak-ng voice for --text")
                .option("seed", "N", "0", "seed of the sine source's random phase and noise")
                .option("device", "cpu|cuda", "cpu", "where to run")
                .flag("deterministic", "no source noise and zero initial phase (as the parity fixtures)")
                .flag("allow-missing", "load a checkpoint that lacks some parameters (they stay zero and are listed on stderr)");
        if (!a.parse(argv, "Synthesises speech. Long input is split at sentence boundaries into chunks of at most 510\n"
                + "phonemes; the chunks are joined in one WAV.")) return 0;
        Device device = Devices.inference(a.str("device"));
        if (a.has("text") == a.has("phonemes")) throw new Args.UsageException("synth: give exactly one of --text and --phonemes");
        KModel model = Models.load(Path.of(a.required("model")), a.path("config"), a.bool("allow-missing"));
        Voice voice = Voice.load(Path.of(a.required("voice")));
        model.deterministic(a.bool("deterministic"));
        if (device != Device.CPU) model.to(device);
        if (!a.bool("deterministic")) model.decoder.seed(a.integer("seed"));
        Tokenizer tok = new Tokenizer(model.cfg.vocab());
        String phonemes = a.has("phonemes") ? a.str("phonemes")
                : (a.str("lang").equals("en-gb") ? Phonemizer.british() : Phonemizer.american()).phonemize(a.str("text"));
        List<long[]> chunks = tok.encodeChunks(phonemes);
        if (chunks.isEmpty() || chunks.stream().allMatch(c -> c.length <= 2))
            throw new Args.UsageException("synth: no phonemes to speak (input was '" + phonemes + "')");
        long t0 = System.nanoTime();
        List<float[]> parts = new ArrayList<>();
        for (long[] ids : chunks) {
            if (ids.length <= 2) continue;
            Tensor refS = voice.style(ids.length - 2);
            try (DeviceScope scope = DeviceScope.open()) {   // frees the chunk's device tensors
                KModel.Output out = model.forwardWithTokens(Tensor.of(ids, 1, ids.length), refS, a.real("speed"));
                parts.add(out.audio().toFloatArray());
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        int total = parts.stream().mapToInt(p -> p.length).sum();
        float[] audio = new float[total];
        int pos = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, audio, pos, p.length);
            pos += p.length;
        }
        Path outPath = Path.of(a.str("out"));
        Wav.write(outPath, audio, 24000);
        double dur = total / 24000.0;
        System.out.printf(Locale.ROOT, "wrote %s: %.2f s of audio from %d phonemes in %.2f s (real-time factor %.3f, %d threads)%n",
                outPath, dur, phonemes.codePointCount(0, phonemes.length()), secs, secs / Math.max(dur, 1e-9), dev.kokoro.engine.Parallel.threads());
        if (device != Device.CPU) System.out.println("device " + device + "; " + Fallbacks.summary());
        return 0;
    }
}
