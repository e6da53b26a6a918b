package dev.kokoro.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Fixtures;
import dev.kokoro.engine.io.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VoiceTest {
    @Test
    void ptAndBinHoldTheSamePackAndStyleIsRowLenMinusOne() throws Exception {
        assumeTrue(Fixtures.exists("af_heart.pt") && Fixtures.exists("af_heart.bin") && Fixtures.exists("kokoro-tiny.ref.safetensors"));
        Voice pt = Voice.load(Fixtures.file("af_heart.pt")), bin = Voice.load(Fixtures.file("af_heart.bin"));
        assertArrayEquals(new int[] {510, 1, 256}, pt.pack.shape());
        assertArrayEquals(pt.pack.toFloatArray(), bin.pack.toFloatArray());
        // the fixture's ref_s is the row for its 14 phonemes (16 tokens with the pads)
        Tensor refS = Safetensors.read(Fixtures.file("kokoro-tiny.ref.safetensors")).get("ref_s");
        Tensor s = pt.style(14);
        assertArrayEquals(new int[] {1, 256}, s.shape());
        assertArrayEquals(refS.toFloatArray(), s.toFloatArray());
        assertTrue(s.toFloatArray()[0] != pt.style(13).toFloatArray()[0] || s.toFloatArray()[1] != pt.style(13).toFloatArray()[1]);
        assertThrows(IllegalArgumentException.class, () -> pt.style(0));
        assertThrows(IllegalArgumentException.class, () -> pt.style(511));
    }

    @Test
    void badBinIsAnErrorNamingTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.bin");
        Files.write(f, new byte[1000]);
        IOException e = assertThrows(IOException.class, () -> Voice.load(f));
        assertTrue(e.getMessage().contains("bad.bin"), e.getMessage());
        Path g = dir.resolve("ok.bin");
        Files.write(g, new byte[4 * 256 * 3]);
        assertEquals(3, Voice.load(g).rows());
    }
}
