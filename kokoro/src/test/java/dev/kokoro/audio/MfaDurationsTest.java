package dev.kokoro.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MfaDurationsTest {

    static final String HELLO_WORLD = "həlˈO wˈɜɹld.";
    static final double[] TIMES = {0, 0.1, 0.15, 0.2, 0.3, 0.5, 0.6, 0.7, 0.9, 1.0, 1.1, 1.25};
    //                                  pad h  ə  l  ˈ  O  ␣  w  ˈ  ɜ  ɹ  l  d  .  pad
    static final int[] HELLO_WORLD_FRAMES = {4, 2, 2, 4, 0, 8, 4, 4, 0, 4, 4, 4, 4, 0, 6};

    /** A grid with one "phones" tier: labels[k] spans times[k]..times[k+1]. */
    static TextGrid phones(double[] times, String... labels) {
        List<TextGrid.Interval> list = new ArrayList<>();
        for (int k = 0; k < labels.length; k++) list.add(new TextGrid.Interval(times[k], times[k + 1], labels[k]));
        return new TextGrid("test.TextGrid", times[0], times[labels.length], Map.of("phones", list), Map.of());
    }

    @Test
    void arpabetHelloWorld() {
        TextGrid tg = phones(TIMES, "", "HH", "AH0", "L", "OW1", "", "W", "ER1", "L", "D", "");
        assertArrayEquals(HELLO_WORLD_FRAMES, MfaDurations.fromTextGrid(tg, HELLO_WORLD, 50));
    }

    @Test
    void ipaHelloWorld() {
        TextGrid mfa = phones(TIMES, "", "h", "ə", "l", "ow", "", "w", "ɝ", "ɫ", "d", "");
        assertArrayEquals(HELLO_WORLD_FRAMES, MfaDurations.fromTextGrid(mfa, HELLO_WORLD, 50));
        TextGrid ipa = phones(TIMES, "sil", "h", "ə", "l", "oʊ", "sp", "w", "ɜː", "ɹ", "d", "sil");
        // ɜː ɹ as two intervals: ɜ 0.7-0.9 (8 frames), ɹ 0.9-1.0 (4), d 1.0-1.1 (4); l is then missing (0)
        assertArrayEquals(new int[]{4, 2, 2, 4, 0, 8, 4, 4, 0, 8, 4, 0, 4, 0, 6}, MfaDurations.fromTextGrid(ipa, HELLO_WORLD, 50));
    }

    @Test
    void aTwoSymbolPhoneSplitsItsFramesEvenly() {
        double[] t = TIMES.clone();
        t[8] = 0.875; // ER1 = 7 frames → ɜ 3, ɹ 4; L = 5 frames
        TextGrid tg = phones(t, "", "HH", "AH0", "L", "OW1", "", "W", "ER1", "L", "D", "");
        assertArrayEquals(new int[]{4, 2, 2, 4, 0, 8, 4, 4, 0, 3, 4, 5, 4, 0, 6}, MfaDurations.fromTextGrid(tg, HELLO_WORLD, 50));
    }

    @Test
    void boundariesAreRoundedCumulativelyAndTheLastIntervalTakesTheRest() {
        // 0.0130 s steps: every interval is 0.52 frames; rounded boundaries give 1,0,1,1,0,... never drifting
        double[] t = {0, 0.013, 0.026, 0.039, 0.052};
        TextGrid tg = phones(t, "HH", "AH0", "L", "OW1");
        int[] d = MfaDurations.fromTextGrid(tg, "həlO", 4); // tier ends at 2.08 frames; 4 is within tolerance
        assertArrayEquals(new int[]{0, 1, 0, 1, 2, 0}, d);
    }

    @Test
    void aPauseGoesToTheCommaAndSilencesToThePads() {
        TextGrid tg = phones(TIMES, "", "HH", "AH0", "L", "OW1", "", "W", "ER1", "L", "D", "");
        //                        pad h  ə  l  ˈ  O  ,  ␣  w  ˈ  ɜ  ɹ  l  d  .  pad
        assertArrayEquals(new int[]{4, 2, 2, 4, 0, 8, 4, 0, 4, 0, 4, 4, 4, 4, 0, 6},
                MfaDurations.fromTextGrid(tg, "həlˈO, wˈɜɹld.", 50));
        TextGrid noSil = phones(new double[]{0, 0.1, 0.2, 0.3, 0.5, 0.6, 0.8, 0.9, 1.0},
                "HH", "AH0", "L", "OW1", "W", "ER1", "L", "D");
        assertArrayEquals(new int[]{0, 4, 4, 4, 0, 8, 0, 4, 0, 4, 4, 4, 4, 0, 0},
                MfaDurations.fromTextGrid(noSil, HELLO_WORLD, 40));
    }

    @Test
    void phonesTheTwoSidesDisagreeOnAreAbsorbedOrGetNothing() {
        double[] t = {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7};
        TextGrid wanted = phones(t, "", "W", "AA1", "N", "T", "IH0", "D");
        //                                        pad w  ˈ  ɑ  n  t  ᵻ  d  pad : IH0 ≈ ᵻ
        assertArrayEquals(new int[]{4, 4, 0, 4, 4, 4, 4, 4, 0}, MfaDurations.fromTextGrid(wanted, "wˈɑntᵻd", 28));
        // no t in Kokoro's phonemes: T's frames go to the phone before it
        assertArrayEquals(new int[]{4, 4, 0, 4, 8, 4, 4, 0}, MfaDurations.fromTextGrid(wanted, "wˈɑnᵻd", 28));
        // a Kokoro phone MFA has no interval for gets 0
        assertArrayEquals(new int[]{4, 4, 0, 4, 4, 4, 4, 0, 4, 0}, MfaDurations.fromTextGrid(wanted, "wˈɑntᵻzd", 28));
    }

    @Test
    void spokenNoiseSpreadsOverTheWordsPhones() {
        double[] t = {0, 0.1, 0.15, 0.2, 0.3, 0.5, 0.6, 1.1, 1.25};
        TextGrid tg = phones(t, "", "HH", "AH0", "L", "OW1", "", "spn", "");
        assertArrayEquals(new int[]{4, 2, 2, 4, 0, 8, 4, 4, 0, 4, 4, 4, 4, 0, 6}, MfaDurations.fromTextGrid(tg, HELLO_WORLD, 50));
    }

    @Test
    void phoneMapping() {
        TextGrid.Interval at = new TextGrid.Interval(0, 1, "x");
        Map<String, String> expected = Map.ofEntries(Map.entry("AH0", "ə"), Map.entry("AH1", "ʌ"), Map.entry("OW0", "O"),
                Map.entry("EY2", "A"), Map.entry("AY1", "I"), Map.entry("AW1", "W"), Map.entry("OY1", "Y"),
                Map.entry("CH", "ʧ"), Map.entry("JH", "ʤ"), Map.entry("ER0", "ɚ"), Map.entry("ER1", "ɜɹ"), Map.entry("R", "ɹ"),
                Map.entry("oʊ", "O"), Map.entry("ow", "O"), Map.entry("ej", "A"), Map.entry("aɪ", "I"), Map.entry("aw", "W"),
                Map.entry("ɔɪ", "Y"), Map.entry("tʃ", "ʧ"), Map.entry("dʒ", "ʤ"), Map.entry("ɝ", "ɜɹ"), Map.entry("r", "ɹ"),
                Map.entry("ɾ", "T"), Map.entry("tʰ", "t"), Map.entry("ɑː", "ɑ"), Map.entry("m̩", "m"), Map.entry("ɫ", "l"),
                Map.entry("cʷ", "k"), Map.entry("ɟ", "ɡ"), Map.entry("ɾ̃", "T"), Map.entry("ʔ", "t"));
        expected.forEach((mfa, kokoro) -> assertEquals(kokoro, MfaDurations.kokoroSymbols(mfa, "t", at), mfa));
    }

    @Test
    void errorsNameTheFile() {
        TextGrid bad = phones(TIMES, "", "HH", "AH0", "L", "QQ1", "", "W", "ER1", "L", "D", "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MfaDurations.fromTextGrid(bad, HELLO_WORLD, 50));
        assertTrue(e.getMessage().contains("test.TextGrid") && e.getMessage().contains("QQ1"), e.getMessage());
        TextGrid ok = phones(TIMES, "", "HH", "AH0", "L", "OW1", "", "W", "ER1", "L", "D", "");
        e = assertThrows(IllegalArgumentException.class, () -> MfaDurations.fromTextGrid(ok, HELLO_WORLD, 80));
        assertTrue(e.getMessage().contains("test.TextGrid") && e.getMessage().contains("80 frames"), e.getMessage());
    }

    @Test
    void readsAnMfaFileEndToEnd() throws IOException {
        StringBuilder b = new StringBuilder("File type = \"ooTextFile\"\nObject class = \"TextGrid\"\n\n0\n1.25\n<exists>\n1\n\"IntervalTier\"\n\"phones\"\n0\n1.25\n11\n");
        String[] labels = {"", "h", "ə", "l", "ow", "", "w", "ɝ", "ɫ", "d", ""};
        for (int k = 0; k < labels.length; k++) b.append(TIMES[k]).append('\n').append(TIMES[k + 1]).append("\n\"").append(labels[k]).append("\"\n");
        TextGrid tg = TextGrid.parse(b.toString(), "hello.TextGrid");
        assertArrayEquals(HELLO_WORLD_FRAMES, MfaDurations.fromTextGrid(tg, HELLO_WORLD, 50));
    }
}
