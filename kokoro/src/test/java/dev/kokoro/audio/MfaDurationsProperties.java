package dev.kokoro.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class MfaDurationsProperties {

    static final String[] LABELS = {"", "sil", "sp", "spn", "HH", "AH0", "AH1", "L", "OW1", "W", "ER0", "ER1", "D", "T", "IH0",
            "h", "ə", "ow", "ɝ", "ɫ", "d", "tʰ", "ɾ", "aj", "m̩", "ɑː", "dʒ"};

    @Provide
    Arbitrary<String> labels() { return Arbitraries.of(LABELS); }

    @Provide
    Arbitrary<String> kokoro() {
        return Arbitraries.of("h", "ə", "l", "ˈ", "ˌ", "O", " ", "w", "ɜ", "ɹ", "d", ".", ",", "t", "ᵻ", "I", "T", "ʤ", "ː", "!", "—")
                .list().ofMaxSize(40).map(l -> String.join("", l));
    }

    @Property(tries = 500)
    void durationsCoverTheRecordingExactly(@ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 400) Integer> widthsMs,
                                           @ForAll @Size(max = 40) List<@From("labels") String> labelPool,
                                           @ForAll("kokoro") String phonemes,
                                           @ForAll @IntRange(min = -3, max = 3) int offset) {
        List<TextGrid.Interval> list = new ArrayList<>();
        double t = 0;
        for (int k = 0; k < widthsMs.size(); k++) {
            double end = t + widthsMs.get(k) / 1000.0;
            list.add(new TextGrid.Interval(t, end, labelPool.isEmpty() ? "" : labelPool.get(k % labelPool.size())));
            t = end;
        }
        int total = (int) Math.max(0, Math.round(t * MfaDurations.FRAMES_PER_SECOND) + offset);
        TextGrid tg = new TextGrid("random.TextGrid", 0, t, Map.of("phones", list), Map.of());
        int[] d = MfaDurations.fromTextGrid(tg, phonemes, total);
        assertEquals(phonemes.codePointCount(0, phonemes.length()) + 2, d.length);
        int sum = 0;
        for (int j = 0; j < d.length; j++) {
            assertTrue(d[j] >= 0, "negative duration at " + j);
            if (j > 0 && j < d.length - 1 && "ˈˌː".indexOf(phonemes.codePointAt(phonemes.offsetByCodePoints(0, j - 1))) >= 0)
                assertEquals(0, d[j], "a stress or length mark got frames");
            sum += d[j];
        }
        assertEquals(total, sum);
    }
}
