package dev.kokoro.g2p;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.io.Fixtures;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class TokenizerTest {
    static Tokenizer real() throws IOException {
        assumeTrue(Fixtures.exists("kokoro-v1_0.config.json"));
        return Tokenizer.fromConfig(Fixtures.file("kokoro-v1_0.config.json"));
    }

    @Test
    void padsWithZeroAndUsesTheVocab() throws IOException {
        Tokenizer t = real();
        assertArrayEquals(new long[] {0, 50, 83, 54, 156, 31, 16, 65, 156, 87, 123, 54, 46, 4, 0}, t.encode("həlˈO wˈɜɹld."));
        assertArrayEquals(new long[] {0, 0}, t.encode(""));
    }

    @Test
    void dropsUnknownSymbols() throws IOException {
        Tokenizer t = real();
        assertEquals("həl", t.filter("hə#lǂ"));
        assertArrayEquals(new long[] {0, 50, 83, 54, 0}, t.encode("hə#lǂ"));
    }

    @Test
    void refusesTooLongChunk() throws IOException {
        Tokenizer t = real();
        assertEquals(512, t.encode("a".repeat(510)).length);
        assertThrows(IllegalArgumentException.class, () -> t.encode("a".repeat(511)));
    }

    @Test
    void cutsAtSentenceEndsFirst() throws IOException {
        Tokenizer t = real();
        String sentence = "ðə kwˈɪk bɹˈWn fˈɑks ʤˈʌmps ˌOvəɹ ðə lˈAzi dˈɑɡ, ænd ɹˈʌnz əwˈA. ";  // 66 symbols
        String text = sentence.repeat(20);
        List<String> chunks = t.split(text);
        assertTrue(chunks.size() >= 3, "chunks: " + chunks.size());
        for (String c : chunks) {
            assertTrue(c.codePointCount(0, c.length()) <= 510);
            assertTrue(c.endsWith("."), "cut inside a sentence: ..." + c.substring(c.length() - 10));
        }
        assertEquals(text.replace(" ", ""), String.join("", chunks).replace(" ", ""));
        assertEquals(text.strip(), String.join(" ", chunks));   // only the spaces at the cuts are gone
    }

    @Test
    void longSentenceCutsAtClausesThenWords() throws IOException {
        Tokenizer t = real();
        String clause = "ðə kwˈɪk bɹˈWn fˈɑks ʤˈʌmps ˌOvəɹ ðə lˈAzi dˈɑɡ, ";
        List<String> chunks = t.split(clause.repeat(30) + "ˈɛnd.");
        for (String c : chunks) {
            assertTrue(c.codePointCount(0, c.length()) <= 510);
            assertTrue(c.endsWith(",") || c.endsWith("."), c);
        }
        String words = "wˈɜɹd ".repeat(300);
        for (String c : t.split(words)) {
            assertTrue(c.codePointCount(0, c.length()) <= 510);
            assertTrue(c.endsWith("wˈɜɹd") && c.startsWith("wˈɜɹd"), "cut inside a word");
        }
        List<String> hard = t.split("a".repeat(1200));
        assertEquals(List.of(510, 510, 180), hard.stream().map(String::length).toList());
    }

    @Property(tries = 200)
    void chunksFitAndLoseNothing(@ForAll long seed) {
        Map<String, Integer> vocab = Map.of("a", 43, "b", 44, "ˈ", 156, " ", 16, ".", 4, ",", 3, "!", 5, "—", 9, ";", 1, "…", 10);
        Tokenizer t = new Tokenizer(vocab);
        SplittableRandom rng = new SplittableRandom(seed);
        String[] syms = vocab.keySet().toArray(String[]::new);
        double[] weight = {0.3, 0.3, 0.05, 0.2, 0.02, 0.03, 0.01, 0.01, 0.01, 0.01};
        StringBuilder b = new StringBuilder();
        int n = rng.nextInt(3000);
        double boundary = rng.nextDouble();  // some texts have almost no boundaries
        for (int i = 0; i < n; i++) {
            String s = syms[rng.nextInt(syms.length)];
            if (!s.equals("a") && !s.equals("b") && rng.nextDouble() > boundary * weight[0]) s = rng.nextBoolean() ? "a" : "b";
            b.append(s);
        }
        String text = b.toString();
        List<String> chunks = t.split(text);
        for (String c : chunks) {
            assertTrue(c.codePointCount(0, c.length()) <= 510 && !c.isEmpty());
            assertEquals(c.strip(), c);
            assertEquals(c.length() + 2, t.encode(c).length);
        }
        assertEquals(text.replace(" ", ""), String.join("", chunks).replace(" ", ""));
    }
}
