package dev.kokoro.audio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * RIFF/WAVE files. Reads PCM integer 8 (unsigned), 16, 24, 32-bit and IEEE float 32/64-bit, plain or
 * WAVE_FORMAT_EXTENSIBLE, any channel count (averaged to mono), scaled to [-1, 1) as torchaudio /
 * soundfile do (int / 2^(bits-1); 8-bit: (u − 128) / 128). Writes 16-bit PCM mono.
 */
public final class Wav {
    private Wav() {}

    /** Mono samples and their rate. */
    public record Audio(float[] samples, int sampleRate) {
        public double seconds() { return samples.length / (double) sampleRate; }
    }

    private static final int PCM = 1, IEEE_FLOAT = 3, EXTENSIBLE = 0xFFFE;

    public static Audio read(Path file) throws IOException {
        return parse(Files.readAllBytes(file), file.toString());
    }

    /** Parses WAV bytes; {@code name} appears in error messages. */
    public static Audio parse(byte[] bytes, String name) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 12 || !tag(b, 0).equals("RIFF") || !tag(b, 8).equals("WAVE"))
            throw new IOException(name + ": not a RIFF/WAVE file");
        int format = -1, channels = 0, rate = 0, bits = 0, blockAlign = 0;
        int pos = 12;
        while (pos + 8 <= bytes.length) {
            String id = tag(b, pos);
            long size = Integer.toUnsignedLong(b.getInt(pos + 4));
            int body = pos + 8;
            if (id.equals("fmt ")) {
                if (size < 16 || body + size > bytes.length) throw new IOException(name + ": truncated fmt chunk");
                format = b.getShort(body) & 0xFFFF;
                channels = b.getShort(body + 2) & 0xFFFF;
                rate = b.getInt(body + 4);
                blockAlign = b.getShort(body + 12) & 0xFFFF;
                bits = b.getShort(body + 14) & 0xFFFF;
                if (format == EXTENSIBLE) {
                    if (size < 40) throw new IOException(name + ": WAVE_FORMAT_EXTENSIBLE fmt chunk of " + size + " bytes (needs 40)");
                    format = b.getShort(body + 24) & 0xFFFF; // first two bytes of the sub-format GUID
                }
            } else if (id.equals("data")) {
                if (format < 0) throw new IOException(name + ": data chunk before fmt chunk");
                if (format != PCM && format != IEEE_FLOAT)
                    throw new IOException(name + ": unsupported WAV encoding " + format + " (supported: PCM integer, IEEE float)");
                boolean ok = format == PCM ? (bits == 8 || bits == 16 || bits == 24 || bits == 32) : (bits == 32 || bits == 64);
                if (!ok) throw new IOException(name + ": unsupported " + (format == PCM ? "PCM" : "float") + " sample size " + bits + " bits");
                if (channels < 1 || rate <= 0) throw new IOException(name + ": invalid fmt: " + channels + " channels, " + rate + " Hz");
                int bytesPer = bits / 8;
                if (blockAlign != channels * bytesPer)
                    throw new IOException(name + ": block align " + blockAlign + " does not match " + channels + " × " + bits + " bits");
                long avail = bytes.length - body;
                if (size > avail && size != 0xFFFFFFFFL)
                    throw new IOException(name + ": truncated data chunk: header says " + size + " bytes, file has " + avail);
                long n = Math.min(size, avail) / blockAlign;
                if (n > Integer.MAX_VALUE) throw new IOException(name + ": too many samples");
                return new Audio(decode(b, body, (int) n, channels, bits, format == IEEE_FLOAT), rate);
            }
            pos = (int) Math.min(Integer.MAX_VALUE, body + size + (size & 1)); // chunks are word aligned
        }
        throw new IOException(name + (format < 0 ? ": no fmt chunk" : ": no data chunk"));
    }

    private static float[] decode(ByteBuffer b, int at, int frames, int channels, int bits, boolean isFloat) {
        float[] out = new float[frames];
        int bytesPer = bits / 8;
        for (int i = 0; i < frames; i++) {
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                int p = at + (i * channels + c) * bytesPer;
                sum += switch (bits) {
                    case 8 -> isFloat ? 0 : ((b.get(p) & 0xFF) - 128) / 128.0;
                    case 16 -> b.getShort(p) / 32768.0;
                    case 24 -> ((b.get(p) & 0xFF) | (b.get(p + 1) & 0xFF) << 8 | b.get(p + 2) << 16) / 8388608.0;
                    case 32 -> isFloat ? b.getFloat(p) : b.getInt(p) / 2147483648.0;
                    default -> b.getDouble(p);
                };
            }
            out[i] = (float) (sum / channels);
        }
        return out;
    }

    private static String tag(ByteBuffer b, int at) {
        byte[] t = new byte[4];
        b.get(at, t);
        return new String(t, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** 16-bit PCM mono WAV bytes of {@code samples} clipped to [-1, 1] (scaled by 32767, rounded half to even). */
    public static byte[] encode16(float[] samples, int sampleRate) {
        int data = samples.length * 2;
        ByteBuffer b = ByteBuffer.allocate(44 + data).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(36 + data)
                .put("WAVEfmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .putInt(16).putShort((short) PCM).putShort((short) 1).putInt(sampleRate).putInt(sampleRate * 2)
                .putShort((short) 2).putShort((short) 16)
                .put("data".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(data);
        for (float s : samples) {
            double v = Double.isNaN(s) ? 0 : Math.max(-1.0, Math.min(1.0, s));
            b.putShort((short) Math.rint(v * 32767));
        }
        return b.array();
    }

    /** Writes 16-bit mono at {@code sampleRate} atomically: a temporary file beside {@code file}, then a rename. */
    public static void write(Path file, float[] samples, int sampleRate) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, abs.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, encode16(samples, sampleRate));
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes 24 kHz 16-bit mono (Kokoro's output rate). */
    public static void write(Path file, float[] samples) throws IOException {
        write(file, samples, 24000);
    }
}
