package dev.kokoro.engine.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Writes an uncompressed zip the way PyTorch's writer lays it out: every entry STORED, its data
 * aligned to 64 bytes by padding the local header's extra field (id "FB"), CRC and sizes in the
 * local header (patched after the data is written), no zip64 (archives up to 4 GiB).
 */
final class ZipWriter implements Closeable {
    private static final int ALIGN = 64;
    private static final long LIMIT = 0xffffffffL;

    private record Done(byte[] name, long headerOffset, long size, int crc) {}

    /** Writes an entry's bytes in order, in as many chunks as it likes. */
    interface Body {
        void writeTo(Sink out) throws IOException;
    }

    interface Sink {
        void write(ByteBuffer chunk) throws IOException;
    }

    private final Path file;
    private final FileChannel ch;
    private long pos;
    private final List<Done> done = new ArrayList<>();

    ZipWriter(Path file) throws IOException {
        this.file = file;
        this.ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    }

    void add(String name, byte[] data) throws IOException {
        add(name, out -> out.write(ByteBuffer.wrap(data)));
    }

    void add(String name, Body body) throws IOException {
        byte[] nb = name.getBytes(StandardCharsets.UTF_8);
        long header = pos;
        int pad = (int) ((ALIGN - (header + 30 + nb.length + 4) % ALIGN) % ALIGN);
        ByteBuffer h = ByteBuffer.allocate(30 + nb.length + 4 + pad).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 0) // version, flags, STORED
                .putShort((short) 0).putShort((short) 0x21) // time 00:00, date 1980-01-01
                .putInt(0).putInt(0).putInt(0) // crc, sizes: patched below
                .putShort((short) nb.length).putShort((short) (4 + pad)).put(nb)
                .putShort((short) 0x4246).putShort((short) pad); // "FB" padding field
        for (int i = 0; i < pad; i++) h.put((byte) 'Z');
        writeFully(h.flip());
        CRC32 crc = new CRC32();
        long start = pos;
        body.writeTo(chunk -> {
            crc.update(chunk.duplicate());
            writeFully(chunk);
        });
        long size = pos - start;
        if (pos > LIMIT) throw new IOException(file + ": archives over 4 GiB are not supported (no zip64 writer)");
        ByteBuffer patch = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue()).putInt((int) size).putInt((int) size);
        patch.flip();
        while (patch.hasRemaining()) ch.write(patch, header + 14 + patch.position());
        done.add(new Done(nb, header, size, (int) crc.getValue()));
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) pos += ch.write(b, pos);
    }

    /** Writes the central directory and closes the file. */
    @Override
    public void close() throws IOException {
        try {
            long cdStart = pos;
            for (Done d : done) {
                ByteBuffer c = ByteBuffer.allocate(46 + d.name.length).order(ByteOrder.LITTLE_ENDIAN);
                c.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0).putShort((short) 0)
                        .putShort((short) 0).putShort((short) 0x21).putInt(d.crc).putInt((int) d.size).putInt((int) d.size)
                        .putShort((short) d.name.length).putShort((short) 0).putShort((short) 0) // extra, comment
                        .putShort((short) 0).putShort((short) 0).putInt(0).putInt((int) d.headerOffset).put(d.name);
                writeFully(c.flip());
            }
            long cdSize = pos - cdStart;
            if (pos > LIMIT || done.size() >= 0xffff) throw new IOException(file + ": archive too large for a zip without zip64");
            ByteBuffer e = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
            e.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) done.size()).putShort((short) done.size())
                    .putInt((int) cdSize).putInt((int) cdStart).putShort((short) 0);
            writeFully(e.flip());
            ch.force(true);
        } finally {
            ch.close();
        }
    }

    /** Closes without finishing (the caller deletes the file). */
    void abandon() throws IOException { ch.close(); }
}
