package dev.kokoro.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WavTest {

    /** A WAV with the given fmt fields around {@code data}; extensible puts the format in the sub-format GUID. */
    static byte[] wav(int format, int channels, int rate, int bits, byte[] data, boolean extensible, int declaredData) {
        int fmtSize = extensible ? 40 : 16;
        ByteBuffer b = ByteBuffer.allocate(12 + 8 + fmtSize + 8 + 8 + data.length + (data.length & 1)).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(b.capacity() - 8).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(fmtSize).putShort((short) (extensible ? 0xFFFE : format)).putShort((short) channels)
                .putInt(rate).putInt(rate * channels * bits / 8).putShort((short) (channels * bits / 8)).putShort((short) bits);
        if (extensible) {
            b.putShort((short) 22).putShort((short) bits).putInt(channels == 1 ? 4 : 3).putShort((short) format)
                    .put(new byte[]{0, 0, 0, 0, 0x10, 0, (byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38, (byte) 0x9B, 0x71});
        }
        b.put("LIST".getBytes()).putInt(0); // an unrelated chunk to skip
        b.put("data".getBytes()).putInt(declaredData).put(data);
        return b.array();
    }

    static byte[] le(int bits, long... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * bits / 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) for (int i = 0; i < bits / 8; i++) b.put((byte) (x >> (8 * i)));
        return b.array();
    }

    @Test
    void readsEveryIntegerWidthMonoAndStereo() throws IOException {
        float[] expect = {0.5f, -0.25f, -1f};
        assertArrayEquals(expect, Wav.parse(wav(1, 1, 16000, 16, le(16, 16384, -8192, -32768), false, 6), "a").samples());
        assertArrayEquals(expect, Wav.parse(wav(1, 1, 16000, 24, le(24, 1 << 22, -(1 << 21), -(1 << 23)), false, 9), "a").samples());
        assertArrayEquals(expect, Wav.parse(wav(1, 1, 16000, 32, le(32, 1L << 30, -(1L << 29), -(1L << 31)), false, 12), "a").samples());
        assertArrayEquals(expect, Wav.parse(wav(1, 1, 16000, 8, le(8, 192, 96, 0), false, 3), "a").samples());
        // stereo → mean of the channels
        Wav.Audio st = Wav.parse(wav(1, 2, 44100, 16, le(16, 16384, 0, -8192, -8192), false, 8), "a");
        assertArrayEquals(new float[]{0.25f, -0.25f}, st.samples());
        assertEquals(44100, st.sampleRate());
    }

    @Test
    void readsFloatAndExtensible() throws IOException {
        ByteBuffer f = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.125f).putFloat(-0.75f);
        assertArrayEquals(new float[]{0.125f, -0.75f}, Wav.parse(wav(3, 1, 22050, 32, f.array(), false, 8), "a").samples());
        assertArrayEquals(new float[]{0.125f, -0.75f}, Wav.parse(wav(3, 1, 22050, 32, f.array(), true, 8), "a").samples());
        assertArrayEquals(new float[]{0.5f}, Wav.parse(wav(1, 1, 48000, 24, le(24, 1 << 22), true, 3), "a").samples());
    }

    @Test
    void errorsNameTheFile() {
        var e = assertThrows(IOException.class, () -> Wav.parse(wav(1, 1, 16000, 16, le(16, 1, 2), false, 400), "voice.wav"));
        assertTrue(e.getMessage().contains("voice.wav") && e.getMessage().contains("truncated"), e.getMessage());
        e = assertThrows(IOException.class, () -> Wav.parse(wav(6, 1, 8000, 8, le(8, 1), false, 1), "alaw.wav"));
        assertTrue(e.getMessage().contains("alaw.wav") && e.getMessage().contains("unsupported"), e.getMessage());
        e = assertThrows(IOException.class, () -> Wav.parse(wav(1, 1, 8000, 12, le(8, 1), false, 1), "odd.wav"));
        assertTrue(e.getMessage().contains("odd.wav") && e.getMessage().contains("12 bits"), e.getMessage());
        e = assertThrows(IOException.class, () -> Wav.parse("not a wave file".getBytes(), "x.mp3"));
        assertTrue(e.getMessage().contains("x.mp3"), e.getMessage());
    }

    @Test
    void writesAtomically16BitAndClips(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("out/sub/a.wav");
        float[] s = {0f, 0.5f, -0.5f, 2f, -3f, 1e-6f};
        Wav.write(p, s);
        Wav.Audio a = Wav.read(p);
        assertEquals(24000, a.sampleRate());
        float[] expect = {0f, 16384 / 32768f, -16384 / 32768f, 32767 / 32768f, -32767 / 32768f, 0f};
        assertArrayEquals(expect, a.samples(), 1e-6f);
        assertEquals(44 + 12, Files.size(p));
        try (var list = Files.list(p.getParent())) {
            assertEquals(1, list.count(), "no temporary file left behind");
        }
    }
}
