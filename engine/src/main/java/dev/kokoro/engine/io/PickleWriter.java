package dev.kokoro.engine.io;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Emits pickle protocol 2 opcodes, the subset {@code torch.save} uses and {@code weights_only} loading accepts. */
final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleWriter() { out.write(0x80); out.write(2); } // PROTO 2

    byte[] finish() { out.write('.'); return out.toByteArray(); } // STOP

    PickleWriter op(int opcode) { out.write(opcode); return this; }

    PickleWriter mark() { return op('('); }
    PickleWriter emptyDict() { return op('}'); }
    PickleWriter setItems() { return op('u'); }
    PickleWriter emptyTuple() { return op(')'); }
    PickleWriter tuple() { return op('t'); }
    PickleWriter reduce() { return op('R'); }
    PickleWriter binPersId() { return op('Q'); }
    PickleWriter bool(boolean b) { return op(b ? 0x88 : 0x89); }

    PickleWriter global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    PickleWriter string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        le(b.length, 4);
        out.writeBytes(b);
        return this;
    }

    PickleWriter integer(long v) {
        if (v >= 0 && v < 256) { out.write('K'); le(v, 1); }
        else if (v >= 0 && v < 65536) { out.write('M'); le(v, 2); }
        else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) { out.write('J'); le(v, 4); }
        else { out.write(0x8a); out.write(8); le(v, 8); } // LONG1, two's complement
        return this;
    }

    /** A tuple of ints, with TUPLE1..3 for short ones as pickle does. */
    PickleWriter intTuple(long[] v) {
        if (v.length == 0) return emptyTuple();
        if (v.length > 3) mark();
        for (long x : v) integer(x);
        return op(switch (v.length) { case 1 -> 0x85; case 2 -> 0x86; case 3 -> 0x87; default -> 't'; });
    }

    private void le(long v, int n) {
        for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)) & 0xff);
    }
}
