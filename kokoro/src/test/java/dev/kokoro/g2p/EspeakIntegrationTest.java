package dev.kokoro.g2p;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Needs the espeak-ng executable (skipped without it). */
class EspeakIntegrationTest {
    static Tokenizer tok;

    @BeforeAll
    static void needEspeak() throws IOException {
        assumeTrue(Espeak.available(), "espeak-ng is not installed");
        tok = TokenizerTest.real();
    }

    private static void allInVocab(String ps) {
        ps.codePoints().forEach(cp -> assertTrue(tok.contains(cp), "'" + Character.toString(cp) + "' not in vocab: " + ps));
    }

    @Test
    void helloWorld() throws IOException {
        String ps = Phonemizer.american().phonemize("Hello world.");
        allInVocab(ps);
        assertTrue(ps.contains("ˈ") && ps.contains("l") && ps.contains("ɹ") && ps.endsWith("."), ps);
        assertTrue(ps.contains("O"), "oʊ should become O: " + ps);
        assertEquals(2, ps.split(" ").length, ps);
        long[] ids = tok.encode(ps);
        assertEquals(0, ids[0]);
        assertEquals(0, ids[ids.length - 1]);
    }

    @Test
    void punctuationAndDiphthongs() throws IOException {
        String ps = Phonemizer.american().phonemize("Hi, my boy! How are you (today)? It costs $25.50; bye…");
        allInVocab(ps);
        for (String s : List.of(", ", "! ", "? ", "; ", "(", ")", "…")) assertTrue(ps.contains(s), "missing '" + s + "' in " + ps);
        for (String s : List.of("I", "Y", "W", "A")) assertTrue(ps.contains(s), "missing " + s + " in " + ps);
        assertFalse(ps.contains("^") || ps.contains("ː"), ps);
    }

    @Test
    void british() throws IOException {
        String ps = Phonemizer.british().phonemize("Go over there, and water the garden.");
        assertTrue(ps.contains("Q") && ps.contains("ː"), ps);
        allInVocab(tok.filter(ps));
    }

    @Test
    void longTextSplitsWithinContextAndKeepsEverything() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 40; i++) text.append("The quick brown fox number ").append(i).append(" jumps over the lazy dog, again and again. ");
        String ps = Phonemizer.american().phonemize(text.toString());
        allInVocab(ps);
        assertTrue(ps.length() > 2000, "phonemes: " + ps.length());
        List<String> chunks = tok.split(ps);
        assertTrue(chunks.size() >= 4);
        for (String c : chunks) {
            assertTrue(c.codePointCount(0, c.length()) <= Tokenizer.MAX_PHONEMES);
            assertTrue(c.endsWith("."), "cut inside a sentence");
        }
        assertEquals(ps.replace(" ", ""), String.join("", chunks).replace(" ", ""));
        assertEquals(40, ps.split("\\.").length);
    }

    @Test
    void batchOfPiecesMatchesOneByOne() throws IOException {
        Espeak e = Espeak.american();
        List<String> pieces = List.of("hello there", "", "one two three", "antidisestablishmentarianism");
        List<String> batch = e.ipa(pieces);
        assertEquals(pieces.size(), batch.size());
        for (int i = 0; i < pieces.size(); i++) assertEquals(e.ipa(List.of(pieces.get(i))).getFirst(), batch.get(i));
        assertEquals("", batch.get(1));
    }

    @Test
    void missingExecutableSaysInstall() {
        String old = System.getProperty("espeak.path");
        System.setProperty("espeak.path", "/nonexistent/espeak-ng");
        try {
            IOException ex = assertThrows(IOException.class, () -> new Espeak("en-us").ipa("hi"));
            assertTrue(ex.getMessage().contains("install espeak-ng") || ex.getMessage().contains("Install espeak-ng"), ex.getMessage());
        } finally {
            if (old == null) System.clearProperty("espeak.path"); else System.setProperty("espeak.path", old);
        }
    }
}
