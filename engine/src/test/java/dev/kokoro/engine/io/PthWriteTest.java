package dev.kokoro.engine.io;

import static org.junit.jupiter.api.Assertions.*;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PthWriteTest {
    @TempDir Path dir;

    @SuppressWarnings("unchecked")
    @Test
    void nestedDictRoundTrips() throws Exception {
        SplittableRandom rng = new SplittableRandom(7);
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("module.w", Tensor.randn(rng, DType.F32, 3, 5));
        inner.put("module.wt", Tensor.randn(rng, DType.F32, 4, 6).transpose(0, 1)); // a non-contiguous view
        inner.put("module.d", Tensor.randn(rng, DType.F64, 2, 1, 3));
        inner.put("module.ids", Tensor.of(new long[] {0, -1, Long.MAX_VALUE, 1L << 40}, 4));
        inner.put("module.scalar", Tensor.of(new float[] {2.5f}));
        inner.put("module.empty", Tensor.zeros(DType.F32, 0, 7));
        Map<String, Object> big = new LinkedHashMap<>();
        for (int i = 0; i < 2100; i++) big.put("k" + i, Tensor.of(new float[] {i}, 1)); // several SETITEMS batches
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("first", inner);
        root.put("second", big);
        root.put("none", new LinkedHashMap<>());
        Path f = dir.resolve("model.pth");
        Pth.write(f, root);
        assertFalse(Files.exists(dir.resolve("model.pth.tmp")));

        Map<String, Object> back = Pth.readDict(f);
        assertEquals(List.of("first", "second", "none"), List.copyOf(back.keySet()));
        Map<String, Tensor> a = Pth.flatten(root), b = Pth.flatten(back);
        assertEquals(List.copyOf(a.keySet()), List.copyOf(b.keySet()));
        for (var e : a.entrySet()) assertSame(e.getValue(), b.get(e.getKey()), e.getKey());
        assertTrue(((Map<String, Object>) back.get("none")).isEmpty());

        // the archive follows torch.save's layout: STORED, data 64-byte aligned
        try (ZipArchive z = ZipArchive.open(f)) {
            assertTrue(z.entries.containsKey("archive/data.pkl"));
            assertEquals("3\n", new String(z.readAll(z.entries.get("archive/version"), 10)));
            assertEquals("little", new String(z.readAll(z.entries.get("archive/byteorder"), 10)));
            assertEquals(6 + 2100 + 5, z.entries.size());
        }
        byte[] bytes = Files.readAllBytes(f);
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int p = 0; p + 30 < bytes.length; p++) {
            if (bb.getInt(p) != 0x04034b50) continue;
            int data = p + 30 + (bb.getShort(p + 26) & 0xffff) + (bb.getShort(p + 28) & 0xffff);
            assertEquals(0, data % 64, "entry at " + p);
        }
    }

    private static void assertSame(Tensor x, Tensor y, String name) {
        assertNotNull(y, name);
        assertEquals(x.dtype, y.dtype, name);
        assertArrayEquals(x.shape(), y.shape(), name);
        if (x.dtype == DType.I64) assertArrayEquals(x.toLongArray(), y.toLongArray(), name);
        else assertArrayEquals(x.toDoubleArray(), y.toDoubleArray(), 0.0, name);
    }

    @Test
    void singleTensorRoundTrips() throws Exception {
        Tensor t = Tensor.randn(new SplittableRandom(3), DType.F32, 510, 1, 256);
        Path f = dir.resolve("voice.pt");
        Pth.write(f, t);
        assertArrayEquals(t.f32(), Pth.readTensor(f).contiguous().f32());
        assertThrows(IOException.class, () -> Pth.readDict(f));
    }

    /** Two views of one storage with offsets and non-contiguous strides, as torch.save writes views. */
    @Test
    void stridedViewsOfOneStorage() throws Exception {
        float[] storage = new float[30];
        for (int i = 0; i < storage.length; i++) storage[i] = i;
        Tensor st = Tensor.of(storage, 30);
        PickleWriter pw = new PickleWriter();
        pw.emptyDict().mark();
        pw.string("t");   // rows of 4 from offset 2 with row stride 5, read transposed: [4,3] stride (1,5)
        Pth.emitTensor(pw, st, "0", 2, new long[] {4, 3}, new long[] {1, 5}, 30);
        pw.string("b");   // a broadcast view: stride 0
        Pth.emitTensor(pw, st, "0", 7, new long[] {2, 3}, new long[] {0, 1}, 30);
        pw.setItems();
        Path f = dir.resolve("views.pth");
        try (ZipWriter z = new ZipWriter(f)) {
            z.add("archive/data.pkl", pw.finish());
            z.add("archive/data/0", out -> Pth.writeData(st, out));
            z.add("archive/version", "3\n".getBytes());
        }
        Map<String, Object> m = Pth.readDict(f);
        Tensor t = (Tensor) m.get("t"), b = (Tensor) m.get("b");
        assertArrayEquals(new int[] {4, 3}, t.shape());
        for (int i = 0; i < 4; i++) for (int j = 0; j < 3; j++) assertEquals(2 + i + 5 * j, t.get(i, j));
        assertArrayEquals(new float[] {7, 8, 9, 7, 8, 9}, b.contiguous().f32());
    }

    @Test
    void storageTooShortIsAnErrorNamingIt() throws Exception {
        Tensor st = Tensor.of(new float[10], 10);
        PickleWriter pw = new PickleWriter();
        pw.emptyDict().mark().string("w");
        Pth.emitTensor(pw, st, "0", 1, new long[] {2, 5}, new long[] {5, 1}, 10);
        pw.setItems();
        Path f = dir.resolve("short.pth");
        try (ZipWriter z = new ZipWriter(f)) {
            z.add("archive/data.pkl", pw.finish());
            z.add("archive/data/0", out -> Pth.writeData(st, out));
        }
        IOException e = assertThrows(IOException.class, () -> Pth.read(f));
        assertTrue(e.getMessage().contains("short.pth") && e.getMessage().contains("data/0") && e.getMessage().contains("[2, 5]"), e.getMessage());
    }

    @Test
    void missingStorageAndBadOpcodeAreNamed() throws Exception {
        Tensor st = Tensor.of(new float[4], 4);
        PickleWriter pw = new PickleWriter();
        pw.emptyDict().mark().string("w");
        Pth.emitTensor(pw, st, "3", 0, new long[] {4}, new long[] {1}, 4);
        pw.setItems();
        Path f = dir.resolve("missing.pth");
        try (ZipWriter z = new ZipWriter(f)) { z.add("archive/data.pkl", pw.finish()); }
        IOException e = assertThrows(IOException.class, () -> Pth.read(f));
        assertTrue(e.getMessage().contains("missing.pth") && e.getMessage().contains("archive/data/3"), e.getMessage());

        Path g = dir.resolve("evil.pth");   // NEWOBJ (0x81) at byte 2
        try (ZipWriter z = new ZipWriter(g)) { z.add("archive/data.pkl", new byte[] {(byte) 0x80, 2, (byte) 0x81, '.'}); }
        e = assertThrows(IOException.class, () -> Pth.read(g));
        assertTrue(e.getMessage().contains("NEWOBJ") && e.getMessage().contains("byte 2"), e.getMessage());

        Path h = dir.resolve("nopkl.pth");
        try (ZipWriter z = new ZipWriter(h)) { z.add("archive/version", "3\n".getBytes()); }
        e = assertThrows(IOException.class, () -> Pth.read(h));
        assertTrue(e.getMessage().contains("data.pkl"), e.getMessage());

        Path n = dir.resolve("notzip.pth");
        Files.write(n, new byte[] {(byte) 0x80, 2, '}', '.'});
        e = assertThrows(IOException.class, () -> Pth.read(n));
        assertTrue(e.getMessage().contains("not a zip"), e.getMessage());
    }

    @Test
    void rejectsNonTensorValues() {
        Map<String, Object> m = Map.of("a", "string");
        IOException e = assertThrows(IOException.class, () -> Pth.write(dir.resolve("x.pth"), m));
        assertTrue(e.getMessage().contains("'a'"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("x.pth")) || Files.exists(dir.resolve("x.pth.tmp")));
    }
}
