package dev.kokoro.engine.io;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets}, "__metadata__": {...}}}, then the raw data.
 * F16 and BF16 are widened to float32 on read.
 */
public final class Safetensors {
    private Safetensors() {}

    /** Tensors in header order, and the string metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    public static Map<String, Tensor> read(Path file) throws IOException {
        return readWithMetadata(file).tensors();
    }

    @SuppressWarnings("unchecked")
    public static Contents readWithMetadata(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw bad(file, "file of " + size + " bytes is too short for a header");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > size - 8 || headerLen > 100_000_000)
                throw bad(file, "header length " + headerLen + " does not fit a file of " + size + " bytes");
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8, file);
            Map<String, Object> header;
            try {
                header = Json.parseObject(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw bad(file, "header is not valid JSON (" + e.getMessage() + ")");
            }
            long dataStart = 8 + headerLen;
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            Map<String, long[]> spans = new LinkedHashMap<>();
            for (var e : header.entrySet()) {
                String name = e.getKey();
                if (name.equals("__metadata__")) {
                    if (e.getValue() instanceof Map<?, ?> m) m.forEach((k, v) -> meta.put(String.valueOf(k), String.valueOf(v)));
                    continue;
                }
                if (!(e.getValue() instanceof Map<?, ?> info)) throw bad(file, "entry '" + name + "' is not an object");
                int[] shape = intList(info.get("shape"), file, name);
                if (!(info.get("data_offsets") instanceof List<?> offs) || offs.size() != 2
                        || !(offs.get(0) instanceof Long begin) || !(offs.get(1) instanceof Long end))
                    throw bad(file, "tensor '" + name + "' has no integer data_offsets [begin, end]");
                if (begin < 0 || end < begin || dataStart + end > size)
                    throw bad(file, "tensor '" + name + "' has data_offsets [" + begin + ", " + end + "] outside the file of " + size + " bytes");
                spans.put(name, new long[] {begin, end});
            }
            // like the reference implementation: the tensors tile the data section exactly, without gaps or overlaps
            long expect = 0;
            List<Map.Entry<String, long[]>> sorted = new java.util.ArrayList<>(spans.entrySet());
            sorted.sort(java.util.Comparator.comparingLong((Map.Entry<String, long[]> x) -> x.getValue()[0]).thenComparingLong(x -> x.getValue()[1]));
            for (var b : sorted) {
                if (b.getValue()[0] != expect)
                    throw bad(file, "tensor '" + b.getKey() + "' starts at data offset " + b.getValue()[0] + ", expected " + expect + " (gap or overlap)");
                expect = b.getValue()[1];
            }
            if (dataStart + expect != size)
                throw bad(file, "tensor data ends at byte " + (dataStart + expect) + " but the file has " + size + " bytes");
            for (var e : spans.entrySet()) {
                String name = e.getKey();
                Map<?, ?> info = (Map<?, ?>) header.get(name);
                String dtype = String.valueOf(info.get("dtype"));
                int[] shape = intList(info.get("shape"), file, name);
                long begin = e.getValue()[0], end = e.getValue()[1];
                long n = 1;
                for (int s : shape) {
                    n *= s;
                    if (n > Integer.MAX_VALUE - 8) throw bad(file, "tensor '" + name + "' " + java.util.Arrays.toString(shape) + " has too many elements");
                }
                int width = switch (dtype) {
                    case "F32", "I32" -> 4;
                    case "F64", "I64" -> 8;
                    case "F16", "BF16", "I16" -> 2;
                    case "U8", "I8", "BOOL" -> 1;
                    default -> throw bad(file, "tensor '" + name + "' has unsupported dtype " + dtype);
                };
                if (end - begin != n * width)
                    throw bad(file, "tensor '" + name + "' (" + dtype + " " + java.util.Arrays.toString(shape)
                            + ") has data_offsets [" + begin + ", " + end + "] that do not fit its shape");
                if (end - begin > Integer.MAX_VALUE - 8) throw bad(file, "tensor '" + name + "' is over 2 GiB");
                ByteBuffer buf = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, buf, dataStart + begin, file);
                buf.flip();
                tensors.put(name, decode(buf, dtype, shape, (int) n));
            }
            return new Contents(tensors, meta);
        }
    }

    static Tensor decode(ByteBuffer buf, String dtype, int[] shape, int n) {
        switch (dtype) {
            case "F32" -> { float[] a = new float[n]; buf.asFloatBuffer().get(a); return Tensor.of(a, shape); }
            case "F64" -> { double[] a = new double[n]; buf.asDoubleBuffer().get(a); return Tensor.of(a, shape); }
            case "I64" -> { long[] a = new long[n]; buf.asLongBuffer().get(a); return Tensor.of(a, shape); }
            case "I32" -> { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = buf.getInt(); return Tensor.of(a, shape); }
            case "I16" -> { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = buf.getShort(); return Tensor.of(a, shape); }
            case "I8" -> { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = buf.get(); return Tensor.of(a, shape); }
            case "U8", "BOOL" -> { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = buf.get() & 0xff; return Tensor.of(a, shape); }
            case "F16" -> { float[] a = new float[n]; for (int i = 0; i < n; i++) a[i] = Float.float16ToFloat(buf.getShort()); return Tensor.of(a, shape); }
            case "BF16" -> { float[] a = new float[n]; for (int i = 0; i < n; i++) a[i] = Float.intBitsToFloat((buf.getShort() & 0xffff) << 16); return Tensor.of(a, shape); }
            default -> throw new IllegalArgumentException("unsupported dtype " + dtype);
        }
    }

    private static int[] intList(Object o, Path file, String name) throws IOException {
        if (!(o instanceof List<?> l)) throw bad(file, "tensor '" + name + "' has no shape");
        int[] r = new int[l.size()];
        for (int i = 0; i < r.length; i++) {
            if (!(l.get(i) instanceof Long v)) throw bad(file, "tensor '" + name + "' has a non-integer dimension " + l.get(i));
            if (v < 0 || v > Integer.MAX_VALUE) throw bad(file, "tensor '" + name + "' has a bad dimension " + v);
            r[i] = v.intValue();
        }
        return r;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) throw bad(file, "truncated at byte " + (pos + buf.position()));
        }
    }

    static IOException bad(Path file, String what) {
        return new IOException(file + ": " + what);
    }

    /** Writes float32/float64/int64 tensors (contiguous copies) with optional string metadata. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", new LinkedHashMap<>(metadata));
        long off = 0;
        for (var e : tensors.entrySet()) {
            Tensor t = e.getValue();
            long bytes = (long) t.numel() * t.dtype.bytes;
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", switch (t.dtype) { case F32 -> "F32"; case F64 -> "F64"; case I64 -> "I64"; });
            info.put("shape", t.shape());
            info.put("data_offsets", List.of(off, off + bytes));
            header.put(e.getKey(), info);
            off += bytes;
        }
        byte[] hjson = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - hjson.length % 8) % 8;
        byte[] h = new byte[hjson.length + pad];
        System.arraycopy(hjson, 0, h, 0, hjson.length);
        for (int i = hjson.length; i < h.length; i++) h[i] = ' ';
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer lb = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
            lb.flip();
            ch.write(lb);
            ch.write(ByteBuffer.wrap(h));
            for (Tensor t : tensors.values()) {
                Tensor c = t.contiguous();
                ByteBuffer b = ByteBuffer.allocate(c.numel() * c.dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
                switch (c.dtype) {
                    case F32 -> b.asFloatBuffer().put(c.f32());
                    case F64 -> b.asDoubleBuffer().put(c.f64());
                    case I64 -> b.asLongBuffer().put(c.i64());
                }
                while (b.hasRemaining()) ch.write(b);
            }
        }
        java.nio.file.Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
