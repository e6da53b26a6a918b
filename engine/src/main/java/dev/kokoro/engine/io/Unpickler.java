package dev.kokoro.engine.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The subset of Python's pickle machine that {@code torch.save} uses (protocol 2, plus the
 * protocol 3/4 opcodes that newer writers may emit). Like {@code torch.load(weights_only=True)}
 * it executes no code: GLOBAL yields a {@link Global} name and REDUCE only applies the few
 * callables a state dict needs (OrderedDict, tensor and parameter rebuilds).
 *
 * <p>Values: Long, Double, Boolean, String, byte[], null, {@link Tuple}, ArrayList,
 * LinkedHashMap, and the torch objects {@link StorageRef} and {@link TensorRef}.
 */
final class Unpickler {
    record Global(String module, String name) {
        @Override public String toString() { return module + "." + name; }
    }
    record Tuple(List<Object> items) {}
    /** A persistent id ('storage', type, key, location, numel). */
    record StorageRef(String type, String key, String location, long numel) {}
    /** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...). */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {}

    static final class PickleException extends Exception {
        PickleException(String m) { super(m); }
    }

    private final byte[] b;
    private int p;
    private int opAt;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private Unpickler(byte[] b) { this.b = b; }

    static Object load(byte[] data) throws PickleException {
        Unpickler u = new Unpickler(data);
        try {
            return u.run();
        } catch (PickleException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new PickleException("malformed pickle at byte " + u.opAt + " (" + e + ")");
        }
    }

    private PickleException err(String what) { return new PickleException(what + " at byte " + opAt); }

    private Object run() throws PickleException {
        while (true) {
            opAt = p;
            int op = u8();
            switch (op) {
                case 0x80 -> { int proto = u8(); if (proto > 5) throw err("unsupported pickle protocol " + proto); } // PROTO
                case 0x95 -> need(8, "FRAME") ; // FRAME: length only, frames are inline
                case 0x2e -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) throw err("STOP with " + stack.size() + " values on the stack");
                    return stack.get(0);
                }
                case 0x28 -> marks.add(stack.size()); // MARK
                case 0x30 -> pop(); // POP
                case 0x31 -> popMark(); // POP_MARK
                case 0x32 -> push(top()); // DUP
                case 0x4e -> push(null); // NONE
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 0x4b -> push((long) u8()); // BININT1
                case 0x4d -> push((long) (u8() | u8() << 8)); // BININT2
                case 0x4a -> push((long) le(4)); // BININT
                case 0x8a -> push(longN(u8())); // LONG1
                case 0x8b -> push(longN(len(le(4), "LONG4"))); // LONG4
                case 0x47 -> push(Double.longBitsToDouble(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getLong())); // BINFLOAT
                case 0x58 -> push(utf8(len(le(4), "BINUNICODE"))); // BINUNICODE
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(len(le(8), "BINUNICODE8"))); // BINUNICODE8
                case 0x54 -> push(new String(bytes(len(le(4), "BINSTRING")), StandardCharsets.ISO_8859_1)); // BINSTRING
                case 0x55 -> push(new String(bytes(u8()), StandardCharsets.ISO_8859_1)); // SHORT_BINSTRING
                case 0x42 -> push(bytes(len(le(4), "BINBYTES"))); // BINBYTES
                case 0x43 -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x8e -> push(bytes(len(le(8), "BINBYTES8"))); // BINBYTES8
                case 0x29 -> push(new Tuple(List.of())); // EMPTY_TUPLE
                case 0x85 -> push(tuple(1)); // TUPLE1
                case 0x86 -> push(tuple(2)); // TUPLE2
                case 0x87 -> push(tuple(3)); // TUPLE3
                case 0x74 -> push(new Tuple(popMark())); // TUPLE
                case 0x5d -> push(new ArrayList<>()); // EMPTY_LIST
                case 0x6c -> push(new ArrayList<>(popMark())); // LIST
                case 0x61 -> { Object v = pop(); list(top(), "APPEND").add(v); } // APPEND
                case 0x65 -> { List<Object> vs = popMark(); list(top(), "APPENDS").addAll(vs); } // APPENDS
                case 0x7d -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case 0x64 -> { Map<Object, Object> m = new LinkedHashMap<>(); putAll(m, popMark()); push(m); } // DICT
                case 0x73 -> { Object v = pop(), k = pop(); dict(top(), "SETITEM").put(k, v); } // SETITEM
                case 0x75 -> { List<Object> kv = popMark(); putAll(dict(top(), "SETITEMS"), kv); } // SETITEMS
                case 0x68 -> push(get(u8())); // BINGET
                case 0x6a -> push(get(le(4) & 0xffffffffL)); // LONG_BINGET
                case 0x71 -> memo.put((long) u8(), top()); // BINPUT
                case 0x72 -> memo.put(le(4) & 0xffffffffL, top()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), top()); // MEMOIZE
                case 0x63 -> push(new Global(line(), line())); // GLOBAL
                case 0x93 -> { Object name = pop(), module = pop(); push(new Global(str(module), str(name))); } // STACK_GLOBAL
                case 0x51 -> push(persistent(pop())); // BINPERSID
                case 0x52 -> { Object args = pop(), fn = pop(); push(reduce(fn, args)); } // REDUCE
                case 0x62 -> pop(); // BUILD: object state (e.g. OrderedDict._metadata) is not part of the data
                default -> throw err(describe(op));
            }
        }
    }

    // ------------------------------------------------------------ torch objects

    private static final List<String> STORAGES = List.of("FloatStorage", "HalfStorage", "BFloat16Storage", "DoubleStorage",
            "LongStorage", "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage");

    private Object persistent(Object pid) throws PickleException {
        if (!(pid instanceof Tuple(List<Object> t)) || t.size() != 5 || !"storage".equals(t.get(0)))
            throw err("unsupported persistent id " + show(pid));
        if (!(t.get(1) instanceof Global g) || !g.module.equals("torch") || !STORAGES.contains(g.name))
            throw err("unsupported storage type " + show(t.get(1)));
        if (!(t.get(4) instanceof Long numel) || numel < 0) throw err("bad storage size " + show(t.get(4)));
        return new StorageRef(g.name, str(t.get(2)), String.valueOf(t.get(3)), numel);
    }

    private Object reduce(Object fn, Object argsObj) throws PickleException {
        if (!(fn instanceof Global g)) throw err("REDUCE of a non-global " + show(fn));
        if (!(argsObj instanceof Tuple(List<Object> args))) throw err("REDUCE with non-tuple arguments for " + g);
        switch (g.toString()) {
            case "collections.OrderedDict" -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (!args.isEmpty()) for (Object kv : list(args.get(0), "OrderedDict")) {
                    if (!(kv instanceof Tuple(List<Object> pair)) || pair.size() != 2) throw err("OrderedDict item is not a pair");
                    m.put(pair.get(0), pair.get(1));
                }
                return m;
            }
            case "torch._utils._rebuild_tensor_v2" -> {
                if (args.size() < 4) throw err("_rebuild_tensor_v2 with " + args.size() + " arguments");
                if (!(args.get(0) instanceof StorageRef s)) throw err("_rebuild_tensor_v2 without a storage");
                if (!(args.get(1) instanceof Long off)) throw err("_rebuild_tensor_v2 with a bad offset");
                return new TensorRef(s, off, longs(args.get(2)), longs(args.get(3)));
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (args.isEmpty() || !(args.get(0) instanceof TensorRef t)) throw err(g + " without a tensor");
                return t;
            }
            case "torch._tensor._rebuild_from_type_v2" -> { // (func, type, args, state): plain tensor subclasses
                if (args.size() < 3) throw err(g + " with " + args.size() + " arguments");
                return reduce(args.get(0), args.get(2));
            }
            default -> throw err("unsupported global " + g + " (only state dicts of tensors can be read)");
        }
    }

    private long[] longs(Object o) throws PickleException {
        if (!(o instanceof Tuple(List<Object> t))) throw err("expected a tuple of ints, got " + show(o));
        long[] r = new long[t.size()];
        for (int i = 0; i < r.length; i++) {
            if (!(t.get(i) instanceof Long v)) throw err("expected a tuple of ints, got " + show(o));
            r[i] = v;
        }
        return r;
    }

    // ------------------------------------------------------------ machine helpers

    private void need(int n, String what) throws PickleException {
        if (n < 0 || p + (long) n > b.length) throw err("truncated " + what);
        p += n;
    }

    private int u8() throws PickleException {
        if (p >= b.length) throw err("pickle ends without STOP");
        return b[p++] & 0xff;
    }

    private long le(int n) throws PickleException {
        if (p + n > b.length) throw err("pickle ends without STOP");
        long v = 0;
        for (int i = 0; i < n; i++) v |= (long) (b[p + i] & 0xff) << (8 * i);
        p += n;
        return n == 4 ? (int) v : v;
    }

    private int len(long n, String what) throws PickleException {
        if (n < 0 || n > b.length - p) throw err(what + " length " + n + " runs past the end of the pickle");
        return (int) n;
    }

    private byte[] bytes(int n) throws PickleException {
        if (n > b.length - p) throw err("pickle ends without STOP");
        byte[] r = Arrays.copyOfRange(b, p, p + n);
        p += n;
        return r;
    }

    private String utf8(int n) throws PickleException { return new String(bytes(n), StandardCharsets.UTF_8); }

    private long longN(int n) throws PickleException {
        if (n > 8) throw err("integer of " + n + " bytes is too large");
        byte[] v = bytes(n);
        long r = 0;
        for (int i = 0; i < n; i++) r |= (long) (v[i] & 0xff) << (8 * i);
        if (n > 0 && n < 8 && (v[n - 1] & 0x80) != 0) r |= -1L << (8 * n); // sign extension
        return r;
    }

    private String line() throws PickleException {
        int start = p;
        while (p < b.length && b[p] != '\n') p++;
        if (p >= b.length) throw err("GLOBAL name runs past the end of the pickle");
        return new String(b, start, p++ - start, StandardCharsets.UTF_8);
    }

    private void push(Object o) { stack.add(o); }

    private Object pop() throws PickleException {
        int floor = marks.isEmpty() ? 0 : marks.getLast();
        if (stack.size() <= floor) throw err("pickle stack underflow");
        return stack.removeLast();
    }

    private Object top() throws PickleException {
        int floor = marks.isEmpty() ? 0 : marks.getLast();
        if (stack.size() <= floor) throw err("pickle stack underflow");
        return stack.getLast();
    }

    private List<Object> popMark() throws PickleException {
        if (marks.isEmpty()) throw err("no MARK on the pickle stack");
        int m = marks.removeLast();
        List<Object> sub = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return sub;
    }

    private Tuple tuple(int n) throws PickleException {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) items[i] = pop();
        return new Tuple(Arrays.asList(items));
    }

    private Object get(long key) throws PickleException {
        if (!memo.containsKey(key)) throw err("memo key " + key + " was never stored");
        return memo.get(key);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, String op) throws PickleException {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw err(op + " on a " + show(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o, String op) throws PickleException {
        if (o instanceof LinkedHashMap<?, ?> m) return (Map<Object, Object>) m;
        throw err(op + " on a " + show(o));
    }

    private void putAll(Map<Object, Object> m, List<Object> kv) throws PickleException {
        if (kv.size() % 2 != 0) throw err("odd number of items for a dict");
        for (int i = 0; i < kv.size(); i += 2) m.put(kv.get(i), kv.get(i + 1));
    }

    private String str(Object o) throws PickleException {
        if (o instanceof String s) return s;
        throw err("expected a string, got " + show(o));
    }

    /** Names the opcodes of Python's pickle that this reader refuses (code execution or text protocol 0). */
    private static String describe(int op) {
        String name = switch (op) {
            case 'I' -> "INT"; case 'L' -> "LONG"; case 'F' -> "FLOAT"; case 'S' -> "STRING"; case 'V' -> "UNICODE";
            case 'P' -> "PERSID"; case 'g' -> "GET"; case 'p' -> "PUT"; case 'i' -> "INST"; case 'o' -> "OBJ";
            case 0x81 -> "NEWOBJ"; case 0x92 -> "NEWOBJ_EX"; case 0x82 -> "EXT1"; case 0x83 -> "EXT2"; case 0x84 -> "EXT4";
            case 0x8f -> "EMPTY_SET"; case 0x90 -> "ADDITEMS"; case 0x91 -> "FROZENSET"; case 0x96 -> "BYTEARRAY8";
            case 0x97 -> "NEXT_BUFFER"; case 0x98 -> "READONLY_BUFFER";
            default -> null;
        };
        String hex = String.format("0x%02x", op);
        return name != null ? "unsupported pickle opcode " + name + " (" + hex + ")" : "unknown pickle opcode " + hex;
    }

    private static String show(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName() + " " + String.valueOf(o).substring(0, Math.min(60, String.valueOf(o).length()));
    }
}
