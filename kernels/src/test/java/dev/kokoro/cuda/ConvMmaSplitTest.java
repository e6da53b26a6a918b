package dev.kokoro.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** ConvMmaCuda's split-K plan (host-side arithmetic; no GPU needed). */
class ConvMmaSplitTest {
    @Property
    void splitsCoverTheStepsOnceAndFitOneWave(@ForAll @IntRange(min = 1, max = 5000) int tiles, @ForAll @IntRange(min = 0, max = 2000) int steps,
                                             @ForAll @IntRange(min = 1, max = 64) int z) {
        int sms = 132;
        int[] sc = ConvMmaCuda.splitK(tiles, steps, z, sms);
        int splits = sc[0], chunk = sc[1];
        assertTrue(splits >= 1 && chunk >= 1);
        assertTrue((long) splits * chunk >= steps, "every step in some split");
        assertTrue((long) (splits - 1) * chunk < Math.max(steps, 1), "no empty split");
        if (tiles >= sms) assertTrue(splits == 1, "enough tiles: no split");
        if (splits > 1) {
            assertTrue((long) tiles * splits <= 2L * sms, "split grid fits one wave of two blocks per SM");
            assertTrue(chunk >= 8, "at least 8 steps per split");
            assertTrue((long) z * splits <= 65535);
        }
    }

    @Test
    void decoderAtSynthesisSizeSplitsElevenWays() {
        // decoder 1090->1024 K3, B1 T360: 3 column tiles x 8 row tiles, 3 taps x 35 channel blocks of 32
        assertArrayEquals(new int[] {11, 10}, ConvMmaCuda.splitK(24, 105, 1, 132));
        // PEFT decoder B8 T256: 16 x 8 = 128 tiles -> two splits (256 blocks, one wave)
        assertArrayEquals(new int[] {2, 53}, ConvMmaCuda.splitK(128, 105, 1, 132));
    }
}
