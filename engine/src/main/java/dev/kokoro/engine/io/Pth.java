package dev.kokoro.engine.io;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Unpickler.StorageRef;
import dev.kokoro.engine.io.Unpickler.TensorRef;
import dev.kokoro.engine.io.Unpickler.Tuple;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch checkpoints: the zip format of {@code torch.save} (since 1.6). {@link #read} gives
 * nested {@code Map<String,Object>} (dicts, OrderedDicts) with {@link Tensor} leaves, or a single
 * Tensor. float32/float16/bfloat16 become F32, float64 F64, integer and bool types I64.
 * {@link #write} writes what {@code torch.load(path, weights_only=True)} reads.
 */
public final class Pth {
    private Pth() {}

    private static final long MAX_PICKLE = 1L << 30;

    /** The checkpoint's object: a Map (String keys), a Tensor, a List, or a scalar. */
    public static Object read(Path file) throws IOException {
        try (ZipArchive zip = ZipArchive.open(file)) {
            String prefix = archivePrefix(zip);
            ZipArchive.Entry order = zip.entries.get(prefix + "byteorder");
            if (order != null) {
                String bo = new String(zip.readAll(order, 64), StandardCharsets.US_ASCII).trim();
                if (!bo.equals("little")) throw zip.bad("byte order '" + bo + "' is not supported (only little-endian)");
            }
            Object root;
            try {
                root = Unpickler.load(zip.readAll(zip.entries.get(prefix + "data.pkl"), MAX_PICKLE));
            } catch (Unpickler.PickleException e) {
                throw zip.bad(prefix + "data.pkl: " + e.getMessage());
            }
            Map<TensorRef, Tensor> tensors = materialize(zip, prefix, root);
            return convert(root, tensors, zip, new IdentityHashMap<>());
        }
    }

    /** A checkpoint that holds a dict (e.g. kokoro-v1_0.pth: bert, bert_encoder, predictor, text_encoder, decoder). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readDict(Path file) throws IOException {
        Object o = read(file);
        if (o instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new IOException(file + ": holds a " + kind(o) + ", not a dict");
    }

    /** A checkpoint that holds one tensor (e.g. a voice pack, [510, 1, 256]). */
    public static Tensor readTensor(Path file) throws IOException {
        Object o = read(file);
        if (o instanceof Tensor t) return t;
        throw new IOException(file + ": holds a " + kind(o) + ", not a single tensor");
    }

    /** Nested dicts flattened to dotted names ("decoder.module.generator.conv_post.weight_v"), in file order. */
    public static Map<String, Tensor> flatten(Map<String, Object> nested) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        flatten("", nested, out);
        return out;
    }

    private static void flatten(String prefix, Map<?, ?> m, Map<String, Tensor> out) {
        for (var e : m.entrySet()) {
            String k = prefix + e.getKey();
            if (e.getValue() instanceof Tensor t) out.put(k, t);
            else if (e.getValue() instanceof Map<?, ?> sub) flatten(k + ".", sub, out);
        }
    }

    private static String kind(Object o) {
        return o == null ? "None" : o instanceof Map ? "dict" : o instanceof List ? "list" : o.getClass().getSimpleName();
    }

    /** The archive's single top folder: the one holding data.pkl. */
    private static String archivePrefix(ZipArchive zip) throws IOException {
        String found = null;
        for (String name : zip.entries.keySet()) {
            if (name.endsWith("data.pkl") && name.indexOf('/') == name.length() - "data.pkl".length() - 1) {
                if (found != null) throw zip.bad("more than one data.pkl (" + found + ", " + name + ")");
                found = name;
            }
        }
        if (found == null) throw zip.bad("no <archive>/data.pkl entry; not a torch.save checkpoint");
        return found.substring(0, found.length() - "data.pkl".length());
    }

    // ---------------------------------------------------------------- storages → tensors

    private record Kind(DType dtype, int width) {}

    private static Kind kind(String storageType) {
        return switch (storageType) {
            case "FloatStorage" -> new Kind(DType.F32, 4);
            case "HalfStorage", "BFloat16Storage" -> new Kind(DType.F32, 2);
            case "DoubleStorage" -> new Kind(DType.F64, 8);
            case "LongStorage" -> new Kind(DType.I64, 8);
            case "IntStorage" -> new Kind(DType.I64, 4);
            case "ShortStorage" -> new Kind(DType.I64, 2);
            default -> new Kind(DType.I64, 1); // Char, Byte, Bool
        };
    }

    /** Reads each referenced storage once, straight from its entry, and cuts its tensors out of it. */
    private static Map<TensorRef, Tensor> materialize(ZipArchive zip, String prefix, Object root) throws IOException {
        Map<String, List<TensorRef>> byKey = new LinkedHashMap<>();
        collect(root, byKey, new IdentityHashMap<>(), 0, zip);
        Map<TensorRef, Tensor> out = new IdentityHashMap<>();
        for (var e : byKey.entrySet()) {
            List<TensorRef> refs = e.getValue();
            StorageRef s = refs.getFirst().storage();
            for (TensorRef r : refs) {
                if (!r.storage().type().equals(s.type()) || r.storage().numel() != s.numel())
                    throw zip.bad("storage data/" + s.key() + " is declared with two types or sizes");
            }
            String name = prefix + "data/" + s.key();
            ZipArchive.Entry entry = zip.entries.get(name);
            if (entry == null) throw zip.bad("missing storage entry " + name);
            Kind k = kind(s.type());
            if (s.numel() > Integer.MAX_VALUE - 8 || entry.size() != s.numel() * k.width)
                throw zip.bad("storage " + name + " has " + entry.size() + " bytes, but the pickle declares "
                        + s.numel() + " elements of " + s.type());
            for (TensorRef r : refs) checkFits(zip, name, r, s.numel());
            Object data = decode(zip, entry, s.type(), k, (int) s.numel());
            for (TensorRef r : refs) out.put(r, view(data, k.dtype, r, (int) s.numel()));
        }
        return out;
    }

    private static void collect(Object o, Map<String, List<TensorRef>> byKey, IdentityHashMap<Object, Boolean> seen, int depth,
            ZipArchive zip) throws IOException {
        if (o == null || seen.put(o, Boolean.TRUE) != null) return;
        if (depth > 1000) throw zip.bad("data.pkl nests containers more than 1000 deep");
        if (o instanceof TensorRef t) byKey.computeIfAbsent(t.storage().key(), x -> new ArrayList<>()).add(t);
        else if (o instanceof Map<?, ?> m) for (var e : m.entrySet()) { collect(e.getKey(), byKey, seen, depth + 1, zip); collect(e.getValue(), byKey, seen, depth + 1, zip); }
        else if (o instanceof List<?> l) for (Object v : l) collect(v, byKey, seen, depth + 1, zip);
        else if (o instanceof Tuple(List<Object> items)) for (Object v : items) collect(v, byKey, seen, depth + 1, zip);
    }

    /** Checks that every element the tensor addresses lies inside its storage; returns its shape. */
    private static int[] checkFits(ZipArchive zip, String name, TensorRef r, long storageNumel) throws IOException {
        long[] size = r.size(), stride = r.stride();
        String what = "tensor of size " + Arrays.toString(size) + ", stride " + Arrays.toString(stride) + ", offset " + r.offset();
        if (size.length != stride.length) throw zip.bad(what + ": size and stride differ in length");
        long numel = 1, last = r.offset();
        if (r.offset() < 0) throw zip.bad(what + ": negative offset");
        int[] shape = new int[size.length];
        for (int i = 0; i < size.length; i++) {
            if (size[i] < 0 || stride[i] < 0 || size[i] > Integer.MAX_VALUE) throw zip.bad(what + ": negative or huge size/stride");
            numel = Math.multiplyExact(numel, size[i]);
            if (numel > Integer.MAX_VALUE - 8) throw zip.bad(what + ": too many elements");
            shape[i] = (int) size[i];
        }
        if (numel > 0) {
            for (int i = 0; i < size.length; i++) last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
            if (last >= storageNumel) throw zip.bad(what + " reaches element " + last + " but storage " + name + " has only " + storageNumel);
        }
        return shape;
    }

    private static Object decode(ZipArchive zip, ZipArchive.Entry entry, String type, Kind k, int n) throws IOException {
        Object arr = switch (k.dtype) { case F32 -> new float[n]; case F64 -> new double[n]; case I64 -> new long[n]; };
        int[] at = {0};
        zip.stream(entry, b -> {
            int m = b.remaining() / k.width, i = at[0];
            switch (type) {
                case "FloatStorage" -> b.asFloatBuffer().get((float[]) arr, i, m);
                case "HalfStorage" -> { float[] a = (float[]) arr; for (int j = 0; j < m; j++) a[i + j] = Float.float16ToFloat(b.getShort()); }
                case "BFloat16Storage" -> { float[] a = (float[]) arr; for (int j = 0; j < m; j++) a[i + j] = Float.intBitsToFloat((b.getShort() & 0xffff) << 16); }
                case "DoubleStorage" -> b.asDoubleBuffer().get((double[]) arr, i, m);
                case "LongStorage" -> b.asLongBuffer().get((long[]) arr, i, m);
                case "IntStorage" -> { long[] a = (long[]) arr; for (int j = 0; j < m; j++) a[i + j] = b.getInt(); }
                case "ShortStorage" -> { long[] a = (long[]) arr; for (int j = 0; j < m; j++) a[i + j] = b.getShort(); }
                case "CharStorage" -> { long[] a = (long[]) arr; for (int j = 0; j < m; j++) a[i + j] = b.get(); }
                default -> { long[] a = (long[]) arr; for (int j = 0; j < m; j++) a[i + j] = b.get() & 0xff; } // Byte, Bool
            }
            at[0] = i + m;
        });
        return arr;
    }

    /** The tensor over the decoded storage: the storage array itself when it is exactly the tensor, else a strided copy. */
    private static Tensor view(Object data, DType dtype, TensorRef r, int storageNumel) {
        int[] shape = new int[r.size().length];
        for (int i = 0; i < shape.length; i++) shape[i] = (int) r.size()[i];
        int numel = Tensor.numel(shape);
        boolean dense = r.offset() == 0 && numel == storageNumel;
        long expect = 1;
        for (int i = shape.length - 1; i >= 0 && dense; i--) {
            if (shape[i] != 1 && r.stride()[i] != expect) dense = false;
            expect *= shape[i];
        }
        if (dense) {
            return switch (dtype) {
                case F32 -> Tensor.of((float[]) data, shape);
                case F64 -> Tensor.of((double[]) data, shape);
                case I64 -> Tensor.of((long[]) data, shape);
            };
        }
        int[] idx = new int[shape.length];
        long src = r.offset();
        Object out = switch (dtype) { case F32 -> new float[numel]; case F64 -> new double[numel]; case I64 -> new long[numel]; };
        for (int i = 0; i < numel; i++) {
            switch (dtype) {
                case F32 -> ((float[]) out)[i] = ((float[]) data)[(int) src];
                case F64 -> ((double[]) out)[i] = ((double[]) data)[(int) src];
                case I64 -> ((long[]) out)[i] = ((long[]) data)[(int) src];
            }
            for (int d = shape.length - 1; d >= 0; d--) { // odometer over the row-major index
                src += r.stride()[d];
                if (++idx[d] < shape[d]) break;
                src -= r.stride()[d] * shape[d];
                idx[d] = 0;
            }
        }
        return switch (dtype) {
            case F32 -> Tensor.of((float[]) out, shape);
            case F64 -> Tensor.of((double[]) out, shape);
            case I64 -> Tensor.of((long[]) out, shape);
        };
    }

    /** Replaces tensor placeholders; dict keys become Strings, tuples Lists. */
    private static Object convert(Object o, Map<TensorRef, Tensor> tensors, ZipArchive zip, IdentityHashMap<Object, Boolean> open)
            throws IOException {
        if (o instanceof TensorRef t) return tensors.get(t);
        if (o instanceof StorageRef) throw zip.bad("a bare storage (not inside a tensor) cannot be read");
        if (!(o instanceof Map || o instanceof List || o instanceof Tuple)) return o;
        if (open.put(o, Boolean.TRUE) != null || open.size() > 1000) throw zip.bad("data.pkl holds a cyclic or too deeply nested structure");
        Object r = convertContainer(o, tensors, zip, open);
        open.remove(o);
        return r;
    }

    private static Object convertContainer(Object o, Map<TensorRef, Tensor> tensors, ZipArchive zip, IdentityHashMap<Object, Boolean> open)
            throws IOException {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> r = new LinkedHashMap<>();
            for (var e : m.entrySet()) r.put(String.valueOf(e.getKey()), convert(e.getValue(), tensors, zip, open));
            return r;
        }
        if (o instanceof Tuple(List<Object> items)) return convert(items, tensors, zip, open);
        if (o instanceof List<?> l) {
            List<Object> r = new ArrayList<>();
            for (Object v : l) r.add(convert(v, tensors, zip, open));
            return r;
        }
        return o;
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes a Tensor or nested {@code Map<String, Object>} of Tensors (and Maps) like
     * {@code torch.save}: archive/data.pkl (protocol 2), one storage per tensor in
     * archive/data/N (F32 → float32, F64 → float64, I64 → int64; views are written contiguous),
     * archive/version "3", archive/byteorder "little". The file is replaced atomically.
     */
    public static void write(Path file, Object obj) throws IOException {
        List<Tensor> storages = new ArrayList<>();
        PickleWriter pw = new PickleWriter();
        emit(pw, obj, storages, "", file);
        byte[] pickle = pw.finish();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        ZipWriter zip = new ZipWriter(tmp);
        try {
            zip.add("archive/data.pkl", pickle);
            zip.add("archive/.format_version", "1".getBytes(StandardCharsets.US_ASCII));
            zip.add("archive/.storage_alignment", "64".getBytes(StandardCharsets.US_ASCII));
            zip.add("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < storages.size(); i++) {
                Tensor t = storages.get(i);
                zip.add("archive/data/" + i, out -> writeData(t, out));
            }
            zip.add("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            zip.close();
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            zip.abandon();
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    private static void emit(PickleWriter pw, Object o, List<Tensor> storages, String path, Path file) throws IOException {
        if (o instanceof Tensor t) {
            emitTensor(pw, t, String.valueOf(storages.size()), 0, toLongs(t.shape()), toLongs(Tensor.contiguousStrides(t.shape())), t.numel());
            storages.add(t);
        } else if (o instanceof Map<?, ?> m) {
            pw.emptyDict();
            int n = 0;
            for (var e : m.entrySet()) {
                if (n % 1000 == 0) { if (n > 0) pw.setItems(); pw.mark(); }  // pickle batches SETITEMS by 1000
                if (!(e.getKey() instanceof String k)) throw new IOException(file + ": dict key " + e.getKey() + " at '" + path + "' is not a string");
                pw.string(k);
                emit(pw, e.getValue(), storages, path.isEmpty() ? k : path + "." + k, file);
                n++;
            }
            if (n > 0) pw.setItems();
        } else {
            throw new IOException(file + ": cannot write a " + kind(o) + " at '" + path + "' (only Tensors and Maps of them)");
        }
    }

    /** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False, OrderedDict()). */
    static void emitTensor(PickleWriter pw, Tensor t, String key, long offset, long[] size, long[] stride, long storageNumel) {
        String type = switch (t.dtype) { case F32 -> "FloatStorage"; case F64 -> "DoubleStorage"; case I64 -> "LongStorage"; };
        pw.global("torch._utils", "_rebuild_tensor_v2").mark();
        pw.mark().string("storage").global("torch", type).string(key).string("cpu").integer(storageNumel).tuple().binPersId();
        pw.integer(offset).intTuple(size).intTuple(stride).bool(false);
        pw.global("collections", "OrderedDict").emptyTuple().reduce();
        pw.tuple().reduce();
    }

    /** The tensor's values, row-major, little-endian, in 1 MiB chunks. */
    static void writeData(Tensor t, ZipWriter.Sink out) throws IOException {
        Tensor c = t.contiguous();
        int n = c.numel(), w = c.dtype.bytes, per = (1 << 20) / w;
        ByteBuffer b = ByteBuffer.allocate(Math.min(n, per) * w).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i += per) {
            int m = Math.min(per, n - i);
            b.clear();
            switch (c.dtype) {
                case F32 -> b.asFloatBuffer().put(c.f32(), i, m);
                case F64 -> b.asDoubleBuffer().put(c.f64(), i, m);
                case I64 -> b.asLongBuffer().put(c.i64(), i, m);
            }
            b.limit(m * w);
            out.write(b);
        }
    }

    private static long[] toLongs(int[] a) {
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i];
        return r;
    }
}
