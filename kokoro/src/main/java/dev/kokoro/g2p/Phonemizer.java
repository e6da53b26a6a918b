package dev.kokoro.g2p;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * English text → Kokoro phonemes through espeak-ng: the text is cut at punctuation (kept, like
 * phonemizer's preserve_punctuation), each piece is phonemized by espeak-ng and mapped with
 * {@link EspeakMap}, and the punctuation is put back with the spacing it had.
 */
public final class Phonemizer {
    /** Punctuation kept as symbols (Kokoro's vocabulary has all but ¡ ¿ « » [ ] { }, which the tokenizer drops). */
    static final String MARKS = ";:,.!?¡¿—…\"«»“”()[]{}";

    private final Espeak espeak;
    private final boolean british;

    public Phonemizer(Espeak espeak) {
        this.espeak = espeak;
        this.british = espeak.voice().toLowerCase().startsWith("en-gb");
    }

    /** American English (en-us). */
    public static Phonemizer american() { return new Phonemizer(Espeak.american()); }

    /** British English (en-gb). */
    public static Phonemizer british() { return new Phonemizer(Espeak.british()); }

    public String phonemize(String text) throws IOException {
        List<String> parts = split(text.replace('\u00a0', ' '));
        List<String> words = new ArrayList<>();
        for (int i = 0; i < parts.size(); i += 2) words.add(parts.get(i));
        List<String> ipa = espeak.ipa(words);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            if (i % 2 == 0) {
                out.append(EspeakMap.toKokoro(ipa.get(i / 2), british));
            } else {
                String m = parts.get(i);  // a run of marks with its surrounding whitespace collapsed to one space
                boolean before = !m.isEmpty() && Character.isWhitespace(m.charAt(0));
                boolean after = !m.isEmpty() && Character.isWhitespace(m.charAt(m.length() - 1));
                if (before && !out.isEmpty() && out.charAt(out.length() - 1) != ' ') out.append(' ');
                out.append(m.strip().replaceAll("\\s+", " "));
                if (after) out.append(' ');
            }
        }
        return out.toString().strip().replaceAll(" {2,}", " ");
    }

    /**
     * Alternating [text, marks, text, marks, ..., text]. A mark between two letters or digits
     * ("25.50", "3:30", "1,000") belongs to the text, as espeak reads it.
     */
    static List<String> split(String text) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 0, n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (isMark(text, i)) {
                int j = i;
                while (j < n && (isMark(text, j) || Character.isWhitespace(text.charAt(j)))) j++;
                // whitespace before the run belongs to it too
                int k = cur.length();
                while (k > 0 && Character.isWhitespace(cur.charAt(k - 1))) k--;
                String lead = cur.substring(k);
                cur.setLength(k);
                parts.add(cur.toString());
                parts.add(lead + text.substring(i, j));
                cur.setLength(0);
                i = j;
            } else {
                cur.append(c);
                i++;
            }
        }
        parts.add(cur.toString());
        return parts;
    }

    private static boolean isMark(String t, int i) {
        char c = t.charAt(i);
        if (MARKS.indexOf(c) < 0) return false;
        if (c == '.' || c == ',' || c == ':')
            return !(i > 0 && i + 1 < t.length() && Character.isLetterOrDigit(t.charAt(i - 1)) && Character.isLetterOrDigit(t.charAt(i + 1)));
        return true;
    }
}
