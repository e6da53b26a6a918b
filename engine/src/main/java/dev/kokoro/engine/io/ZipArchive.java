package dev.kokoro.engine.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Reads an uncompressed (STORED) zip archive such as the one {@code torch.save} writes: entries are
 * located through the central directory (zip64 included) and read straight from the file with a
 * {@link FileChannel}; every read entry's CRC-32 is checked.
 */
final class ZipArchive implements Closeable {
    record Entry(String name, long headerOffset, long size, int crc) {}

    /** Receives an entry's bytes in order; {@code chunk} is little-endian and valid only during the call. */
    interface ChunkSink {
        void accept(ByteBuffer chunk) throws IOException;
    }

    private static final int CHUNK = 1 << 20;

    final Path file;
    private final FileChannel ch;
    final long size;
    final Map<String, Entry> entries = new LinkedHashMap<>();

    private ZipArchive(Path file, FileChannel ch) throws IOException {
        this.file = file;
        this.ch = ch;
        this.size = ch.size();
    }

    static ZipArchive open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            ZipArchive z = new ZipArchive(file, ch);
            z.readCentralDirectory();
            return z;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException { ch.close(); }

    IOException bad(String what) { return new IOException(file + ": " + what); }

    private ByteBuffer read(long pos, int n) throws IOException {
        if (pos < 0 || n < 0 || pos + n > size) throw bad("truncated (wanted " + n + " bytes at " + pos + ", file has " + size + ")");
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) throw bad("truncated at byte " + (pos + b.position()));
        }
        return b.flip();
    }

    private void readCentralDirectory() throws IOException {
        if (size < 22) throw bad("not a zip archive (" + size + " bytes)");
        int tail = (int) Math.min(size, 22 + 65535);
        ByteBuffer t = read(size - tail, tail);
        int eocd = -1;
        for (int p = tail - 22; p >= 0; p--) {
            if (t.getInt(p) == 0x06054b50 && p + 22 + (t.getShort(p + 20) & 0xffff) == tail) { eocd = p; break; }
        }
        if (eocd < 0) throw bad("not a zip archive (no end-of-central-directory record; truncated or not written by torch.save?)");
        long count = t.getShort(eocd + 10) & 0xffff;
        long cdSize = t.getInt(eocd + 12) & 0xffffffffL;
        long cdOffset = t.getInt(eocd + 16) & 0xffffffffL;
        long eocdPos = size - tail + eocd;
        if (count == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
            if (eocdPos < 20) throw bad("zip64 locator missing");
            ByteBuffer loc = read(eocdPos - 20, 20);
            if (loc.getInt(0) != 0x07064b50) throw bad("zip64 end-of-central-directory locator missing");
            long z64 = loc.getLong(8);
            ByteBuffer r = read(z64, 56);
            if (r.getInt(0) != 0x06064b50) throw bad("bad zip64 end-of-central-directory record at " + z64);
            count = r.getLong(32);
            cdSize = r.getLong(40);
            cdOffset = r.getLong(48);
            eocdPos = z64;
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset + cdSize > eocdPos || cdSize > 256L << 20 || count < 0 || count * 46 > cdSize)
            throw bad("central directory (" + count + " entries, " + cdSize + " bytes at " + cdOffset + ") does not fit the file");
        ByteBuffer cd = read(cdOffset, (int) cdSize);
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (p + 46 > cdSize || cd.getInt(p) != 0x02014b50) throw bad("corrupt central directory entry " + i + " at byte " + (cdOffset + p));
            int method = cd.getShort(p + 10) & 0xffff;
            int crc = cd.getInt(p + 16);
            long csize = cd.getInt(p + 20) & 0xffffffffL, usize = cd.getInt(p + 24) & 0xffffffffL;
            int nameLen = cd.getShort(p + 28) & 0xffff, extraLen = cd.getShort(p + 30) & 0xffff, commentLen = cd.getShort(p + 32) & 0xffff;
            long local = cd.getInt(p + 42) & 0xffffffffL;
            if (p + 46L + nameLen + extraLen + commentLen > cdSize) throw bad("corrupt central directory entry " + i);
            byte[] nb = new byte[nameLen];
            cd.get(p + 46, nb);
            String name = new String(nb, StandardCharsets.UTF_8);
            // zip64 extended information: the fields that are 0xffffffff, in this order
            for (int e = p + 46 + nameLen, end = e + extraLen; e + 4 <= end; ) {
                int id = cd.getShort(e) & 0xffff, len = cd.getShort(e + 2) & 0xffff;
                if (e + 4 + len > end) throw bad("corrupt extra field in central directory entry '" + name + "'");
                if (id == 1) {
                    int q = e + 4;
                    if (usize == 0xffffffffL) { if (q + 8 > e + 4 + len) throw bad("short zip64 field for '" + name + "'"); usize = cd.getLong(q); q += 8; }
                    if (csize == 0xffffffffL) { if (q + 8 > e + 4 + len) throw bad("short zip64 field for '" + name + "'"); csize = cd.getLong(q); q += 8; }
                    if (local == 0xffffffffL) { if (q + 8 > e + 4 + len) throw bad("short zip64 field for '" + name + "'"); local = cd.getLong(q); }
                }
                e += 4 + len;
            }
            if (method != 0) throw bad("entry '" + name + "' is compressed (method " + method + "); only STORED entries are supported");
            if (csize != usize || usize < 0 || local < 0 || local + 30 + usize > cdOffset)
                throw bad("entry '" + name + "' (" + usize + " bytes at " + local + ") does not fit the file");
            if (entries.put(name, new Entry(name, local, usize, crc)) != null) throw bad("duplicate entry '" + name + "'");
            p += 46 + nameLen + extraLen + commentLen;
        }
    }

    /** Where the entry's data starts, from its local header (whose name must match). */
    private long dataOffset(Entry e) throws IOException {
        ByteBuffer h = read(e.headerOffset, 30);
        if (h.getInt(0) != 0x04034b50) throw bad("entry '" + e.name + "': no local header at byte " + e.headerOffset);
        int nameLen = h.getShort(26) & 0xffff, extraLen = h.getShort(28) & 0xffff;
        ByteBuffer nb = read(e.headerOffset + 30, nameLen);
        if (!StandardCharsets.UTF_8.decode(nb).toString().equals(e.name)) throw bad("entry '" + e.name + "': local header names another file");
        long data = e.headerOffset + 30 + nameLen + extraLen;
        if (data + e.size > size) throw bad("entry '" + e.name + "' is truncated");
        return data;
    }

    /** Streams the entry in chunks whose sizes are multiples of 8 (except the last), then checks its CRC-32. */
    void stream(Entry e, ChunkSink sink) throws IOException {
        long pos = dataOffset(e), left = e.size;
        CRC32 crc = new CRC32();
        ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(CHUNK, Math.max(left, 1))).order(ByteOrder.LITTLE_ENDIAN);
        while (left > 0) {
            buf.clear().limit((int) Math.min(buf.capacity(), left));
            while (buf.hasRemaining()) {
                int r = ch.read(buf, pos + buf.position());
                if (r < 0) throw bad("entry '" + e.name + "' is truncated");
            }
            buf.flip();
            crc.update(buf.duplicate());
            sink.accept(buf);
            pos += buf.limit();
            left -= buf.limit();
        }
        if ((int) crc.getValue() != e.crc)
            throw bad("entry '" + e.name + "' fails its CRC-32 check (file corrupt)");
    }

    /** The whole entry as bytes (for small records such as data.pkl), CRC-checked. */
    byte[] readAll(Entry e, long limit) throws IOException {
        if (e.size > limit) throw bad("entry '" + e.name + "' is " + e.size + " bytes, more than the " + limit + " allowed");
        byte[] out = new byte[(int) e.size];
        int[] at = {0};
        stream(e, b -> { int n = b.remaining(); b.get(out, at[0], n); at[0] += n; });
        return out;
    }
}
