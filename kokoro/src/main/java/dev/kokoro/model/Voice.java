package dev.kokoro.model;

import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Pth;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A Kokoro voice pack: float32 [N, 1, 256] (N = 510), one reference style per phoneme count. Kokoro's
 * pipeline uses row len(phonemes) − 1; columns :128 go to the decoder, 128: to the prosody predictor.
 */
public final class Voice {
    public final Tensor pack;

    public Voice(Tensor pack) {
        if (pack.dim() != 3 || pack.size(1) != 1)
            throw new IllegalArgumentException("a voice pack is [N, 1, style], got " + Arrays.toString(pack.shape()));
        this.pack = pack.contiguous();
    }

    /** {@code .pt} (torch.save of the tensor) or raw little-endian float32 ({@code .bin}, [N, 1, 256]). */
    public static Voice load(Path file) throws IOException {
        String name = file.getFileName().toString();
        if (name.endsWith(".pt") || name.endsWith(".pth")) {
            Tensor t = Pth.readTensor(file);
            try {
                return new Voice(t);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
        }
        byte[] raw = Files.readAllBytes(file);
        int width = 256;
        if (raw.length == 0 || raw.length % (4 * width) != 0)
            throw new IOException(file + ": " + raw.length + " bytes is not a float32 [N, 1, " + width + "] voice pack");
        float[] data = new float[raw.length / 4];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        return new Voice(Tensor.of(data, data.length / width, 1, width));
    }

    public int rows() { return pack.size(0); }

    /** ref_s for a sequence of {@code numPhonemes} phonemes (without the two pads): pack[numPhonemes − 1], [1, 256]. */
    public Tensor style(int numPhonemes) {
        if (numPhonemes < 1 || numPhonemes > rows())
            throw new IllegalArgumentException("voice pack has styles for 1.." + rows() + " phonemes, asked for " + numPhonemes);
        return pack.slice(0, numPhonemes - 1, numPhonemes).reshape(1, pack.size(2)).contiguous();
    }
}
