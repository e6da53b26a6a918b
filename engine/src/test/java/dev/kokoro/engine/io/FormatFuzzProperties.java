package dev.kokoro.engine.io;

import static org.junit.jupiter.api.Assertions.*;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Corrupted copies of the fixture files (one byte replaced, or the file cut short) must read
 * either as the very same tensors or fail with an IOException / IllegalArgumentException that
 * has a message: never another exception, an OutOfMemoryError, a hang, or different values.
 * Safetensors has no checksum, so there a replaced byte inside tensor data may change exactly
 * the element that holds it, and header bytes may rename a tensor; nothing else may change.
 */
class FormatFuzzProperties {
    private static Path dir;

    @BeforeContainer
    static void setUp() throws IOException { dir = Files.createTempDirectory("fuzz"); }

    @AfterContainer
    static void tearDown() throws IOException {
        try (var s = Files.list(dir)) { for (Path p : s.toList()) Files.deleteIfExists(p); }
        Files.deleteIfExists(dir);
    }

    private record Fixture(byte[] bytes, List<Map.Entry<String, Tensor>> tensors) {}
    private static final Map<String, Fixture> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    private static Fixture fixture(String name, boolean pth) {
        return CACHE.computeIfAbsent(name, n -> {
            try {
                Path f = Fixtures.file(n);
                if (!Files.isRegularFile(f)) return null;
                return new Fixture(Files.readAllBytes(f), flat(pth ? Pth.read(f) : Safetensors.read(f)));
            } catch (IOException e) { throw new RuntimeException(e); }
        });
    }

    @SuppressWarnings("unchecked")
    private static List<Map.Entry<String, Tensor>> flat(Object o) {
        if (o instanceof Tensor t) return List.of(Map.entry("", t));
        return new ArrayList<>(Pth.flatten((Map<String, Object>) o).entrySet());
    }

    /** Half the flips land near the ends (headers, pickle, central directory), half anywhere. */
    private static int position(SplittableRandom rng, int n) {
        return switch (rng.nextInt(3)) {
            case 0 -> rng.nextInt(Math.min(n, 4096));
            case 1 -> n - 1 - rng.nextInt(Math.min(n, 4096));
            default -> rng.nextInt(n);
        };
    }

    private Object outcome(byte[] bytes, String suffix, boolean pth) throws Exception {
        Path f = Files.createTempFile(dir, "c", suffix);
        Files.write(f, bytes);
        try {
            return assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                try {
                    return pth ? Pth.read(f) : Safetensors.read(f);
                } catch (IOException | IllegalArgumentException e) {
                    assertNotNull(e.getMessage());
                    assertFalse(e.getMessage().isBlank());
                    return e;
                } catch (Throwable t) {
                    throw new AssertionError("unexpected " + t, t);
                }
            });
        } finally {
            Files.delete(f);
        }
    }

    // ------------------------------------------------------------------ .pth: CRC-checked, so any change is an error

    @Property(tries = 150)
    void pthByteFlip(@ForAll long seed) throws Exception { pthFlip("af_heart.pt", seed); }

    @Property(tries = 40)
    void pthModelByteFlip(@ForAll long seed) throws Exception { pthFlip("kokoro-tiny.pth", seed); }

    @Property(tries = 60)
    void pthTruncation(@ForAll long seed) throws Exception {
        for (String name : List.of("af_heart.pt", "kokoro-tiny.pth")) {
            Fixture fx = fixture(name, true);
            if (fx == null) continue;
            SplittableRandom rng = new SplittableRandom(seed);
            int cut = rng.nextBoolean() ? fx.bytes.length - 1 - rng.nextInt(Math.min(fx.bytes.length, 2000)) : rng.nextInt(fx.bytes.length);
            Object r = outcome(java.util.Arrays.copyOf(fx.bytes, cut), ".pth", true);
            assertInstanceOf(Exception.class, r, "truncated to " + cut + " bytes yet read");
        }
    }

    private void pthFlip(String name, long seed) throws Exception {
        Fixture fx = fixture(name, true);
        if (fx == null) return;
        SplittableRandom rng = new SplittableRandom(seed);
        byte[] b = fx.bytes.clone();
        int at = position(rng, b.length);
        b[at] = (byte) (b[at] + 1 + rng.nextInt(255));
        Object r = outcome(b, ".pth", true);
        if (r instanceof Exception) return;
        assertSameTensors(fx.tensors, flat(r), false, -1, "byte " + at + " of " + name);
    }

    // ------------------------------------------------------------------ safetensors

    @Property(tries = 200)
    void safetensorsByteFlip(@ForAll long seed) throws Exception {
        for (String name : List.of("kokoro-tiny.ref.safetensors", "ops.ref.safetensors")) {
            Fixture fx = fixture(name, false);
            if (fx == null) continue;
            SplittableRandom rng = new SplittableRandom(seed);
            byte[] b = fx.bytes.clone();
            int at = position(rng, b.length);
            b[at] = (byte) (b[at] + 1 + rng.nextInt(255));
            Object r = outcome(b, ".safetensors", false);
            if (r instanceof Exception) continue;
            long dataStart = 8 + ByteBuffer.wrap(fx.bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertSameTensors(fx.tensors, flat(r), true, at >= dataStart ? at - dataStart : -1, "byte " + at + " of " + name);
        }
    }

    @Property(tries = 60)
    void safetensorsTruncation(@ForAll long seed) throws Exception {
        Fixture fx = fixture("ops.ref.safetensors", false);
        if (fx == null) return;
        SplittableRandom rng = new SplittableRandom(seed);
        int cut = rng.nextBoolean() ? rng.nextInt(Math.min(fx.bytes.length, 4000)) : rng.nextInt(fx.bytes.length);
        Object r = outcome(java.util.Arrays.copyOf(fx.bytes, cut), ".safetensors", false);
        assertInstanceOf(Exception.class, r, "truncated to " + cut + " bytes yet read");
    }

    /**
     * Same count, order, shapes and raw values. With {@code renames}, names may differ (an
     * unchecked header byte); {@code dataByte} ≥ 0 is a replaced byte of the data section: the one
     * element that holds it must differ and no other.
     */
    private static void assertSameTensors(List<Map.Entry<String, Tensor>> want, List<Map.Entry<String, Tensor>> got,
            boolean renames, long dataByte, String what) {
        assertEquals(want.size(), got.size(), what);
        long pos = 0;
        int changed = 0;
        for (int i = 0; i < want.size(); i++) {
            Tensor a = want.get(i).getValue(), b = got.get(i).getValue();
            if (!renames) assertEquals(want.get(i).getKey(), got.get(i).getKey(), what);
            assertArrayEquals(a.shape(), b.shape(), what);
            long[] ra = raw(a), rb = raw(b);
            int width = a.dtype == DType.F32 ? 4 : 8;
            for (int j = 0; j < ra.length; j++) {
                boolean holdsFlip = dataByte >= pos && dataByte < pos + width;
                if (holdsFlip) { assertNotEquals(ra[j], rb[j], what); changed++; }
                else assertEquals(ra[j], rb[j], what + ": " + want.get(i).getKey() + "[" + j + "]");
                pos += width;
            }
        }
        assertEquals(dataByte >= 0 ? 1 : 0, changed, what);
    }

    private static long[] raw(Tensor t) {
        Tensor c = t.contiguous();
        long[] r = new long[c.numel()];
        switch (c.dtype) {
            case F32 -> { float[] f = c.f32(); for (int i = 0; i < r.length; i++) r[i] = Float.floatToRawIntBits(f[i]); }
            case F64 -> { double[] d = c.f64(); for (int i = 0; i < r.length; i++) r[i] = Double.doubleToRawLongBits(d[i]); }
            case I64 -> System.arraycopy(c.i64(), 0, r, 0, r.length);
        }
        return r;
    }
}
