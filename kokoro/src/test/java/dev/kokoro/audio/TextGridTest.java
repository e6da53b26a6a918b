package dev.kokoro.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextGridTest {

    static final String LONG = """
            File type = "ooTextFile"
            Object class = "TextGrid"

            xmin = 0\s
            xmax = 1.25\s
            tiers? <exists>\s
            size = 2\s
            item []:\s
                item [1]:
                    class = "IntervalTier"\s
                    name = "words"\s
                    xmin = 0\s
                    xmax = 1.25\s
                    intervals: size = 3\s
                    intervals [1]:
                        xmin = 0\s
                        xmax = 0.1\s
                        text = ""\s
                    intervals [2]:
                        xmin = 0.1\s
                        xmax = 0.5\s
                        text = "hello"\s
                    intervals [3]:
                        xmin = 0.5\s
                        xmax = 1.25\s
                        text = "say \"\"world\"\"\"\s
                item [2]:
                    class = "TextTier"\s
                    name = "events"\s
                    xmin = 0\s
                    xmax = 1.25\s
                    points: size = 1\s
                    points [1]:
                        number = 0.75\s
                        mark = "click"\s
            """;

    static final String SHORT = """
            File type = "ooTextFile"
            Object class = "TextGrid"

            0
            1.25
            <exists>
            1
            "IntervalTier"
            "phones"
            0
            1.25
            3
            0
            0.1
            ""
            0.1
            0.5
            "oʊ"
            0.5
            1.25
            "sil"
            """;

    @Test
    void readsTheLongFormat() throws IOException {
        TextGrid tg = TextGrid.parse(LONG, "long.TextGrid");
        assertEquals(0, tg.xmin());
        assertEquals(1.25, tg.xmax());
        assertEquals(List.of(new TextGrid.Interval(0, 0.1, ""), new TextGrid.Interval(0.1, 0.5, "hello"),
                new TextGrid.Interval(0.5, 1.25, "say \"world\"")), tg.tier("words"));
        assertEquals(List.of(new TextGrid.Point(0.75, "click")), tg.pointTiers().get("events"));
        assertEquals(List.of("words"), List.copyOf(tg.intervalTiers().keySet()));
    }

    @Test
    void readsTheShortFormat() throws IOException {
        TextGrid tg = TextGrid.parse(SHORT, "short.TextGrid");
        assertEquals(List.of(new TextGrid.Interval(0, 0.1, ""), new TextGrid.Interval(0.1, 0.5, "oʊ"),
                new TextGrid.Interval(0.5, 1.25, "sil")), tg.tier("phones"));
    }

    @Test
    void readsUtf16AndUtf8WithByteOrderMarks(@TempDir Path dir) throws IOException {
        Path be = dir.resolve("be.TextGrid"), le = dir.resolve("le.TextGrid"), u8 = dir.resolve("u8.TextGrid");
        Files.write(be, concat(new byte[]{(byte) 0xFE, (byte) 0xFF}, SHORT.getBytes(StandardCharsets.UTF_16BE)));
        Files.write(le, concat(new byte[]{(byte) 0xFF, (byte) 0xFE}, SHORT.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_16LE)));
        Files.write(u8, concat(new byte[]{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, SHORT.getBytes(StandardCharsets.UTF_8)));
        for (Path p : List.of(be, le, u8)) assertEquals("oʊ", TextGrid.read(p).tier("phones").get(1).text(), p.toString());
    }

    @Test
    void findsMfaSpeakerPrefixedTiers() throws IOException {
        TextGrid tg = TextGrid.parse(SHORT.replace("\"phones\"", "\"spk1 - phones\""), "s.TextGrid");
        assertEquals(3, tg.tier("phones").size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tg.tier("words"));
        assertTrue(e.getMessage().contains("s.TextGrid") && e.getMessage().contains("spk1 - phones"), e.getMessage());
    }

    @Test
    void malformedInputNamesTheFileAndLine() {
        assertError(LONG.replace("xmax = 0.5 ", "xmax = abc "), "bad.TextGrid:21:");
        assertError(LONG.replace("intervals: size = 3", "intervals: size = 4"), "bad.TextGrid:28:");
        assertError(SHORT.replace("\"sil\"", "\"sil"), "bad.TextGrid:21:");
        assertError(SHORT.replace("0.5\n1.25\n\"sil\"", "0.5\n0.4\n\"sil\""), "bad.TextGrid:19:");
        assertError(SHORT.replace("\"IntervalTier\"", "\"PitchTier\""), "bad.TextGrid:8:");
        assertError(SHORT.replace("ooTextFile", "ooBinaryFile"), "bad.TextGrid:1:");
        assertError(SHORT + "\n7\n", "bad.TextGrid:23:");
        assertError(SHORT.replace("<exists>", "<maybe>"), "bad.TextGrid:6:");
    }

    private static void assertError(String text, String prefix) {
        IOException e = assertThrows(IOException.class, () -> TextGrid.parse(text, "bad.TextGrid"));
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
