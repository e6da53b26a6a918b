package dev.kokoro.audio;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Kokoro duration targets from a Montreal Forced Aligner TextGrid.
 *
 * <p>Output: one duration per Kokoro input token {@code [0, code points of the phoneme string..., 0]},
 * in 600-sample frames at 24 kHz (40 per second), summing to exactly {@code totalFrames}.
 *
 * <p>Rules:
 * <ol>
 * <li><b>Frames.</b> The "phones" tier (or the only {@code "<speaker> - phones"} tier) is read in time order.
 *     Interval k covers frames [B(k), B(k+1)) with B(0) = 0, B(k) = round(40·xmin_k) clamped to
 *     [B(k-1), totalFrames], and B(K) = totalFrames: rounded cumulative boundaries, so nothing drifts and
 *     the last interval absorbs the difference between the tier's end and {@code totalFrames}. A tier
 *     ending more than max(4, totalFrames/20) frames away from {@code totalFrames} is rejected (wrong
 *     file or wrong audio).</li>
 * <li><b>Phones → Kokoro symbols.</b> Silence is an empty label, "sil", "sp" or "&lt;eps&gt;". "spn" (spoken
 *     noise: MFA's label for a word it has no pronunciation for) is a word wildcard. A label of capitals
 *     with an optional stress digit is ARPAbet (english_us_arpa) and goes through {@link #ARPABET}: AH0→ə,
 *     AH1/2→ʌ, ER0→ɚ, ER1/2→ɜɹ, EY→A, AY→I, AW→W, OY→Y, OW→O, CH→ʧ, JH→ʤ, R→ɹ, Y→j, HH→h, DX→T, ...
 *     Any other label is IPA (english_mfa): diacritics and length marks are dropped (tʰ→t, ɑː→ɑ, m̩→m),
 *     then a whole label that is a diphthong becomes Kokoro's letter (ow/oʊ/o→O, ej/eɪ/e→A, aj/aɪ→I,
 *     aw/aʊ→W, ɔj/ɔɪ→Y, əʊ→Q), then tʃ→ʧ, dʒ→ʤ, ɝ→ɜɹ, r→ɹ, ɫ→l, g→ɡ, c→k, ɟ→ɡ, ʎ→l, ɲ→n, ç→h, ʉ→u,
 *     ɾ→T, ʔ→t (Kokoro's American flap and glottal stop, as misaki writes them); other symbols stay.</li>
 * <li><b>Alignment.</b> Kokoro tokens are pads (the two ends), breaks (spaces and punctuation), marks
 *     (stress ˈ ˌ, length ː, modifier letters ʰ ʲ ᵝ, combining marks, intonation arrows) or phones
 *     (vowels: {@link #VOWELS}; everything else is a consonant). The mapped MFA symbols (an interval
 *     mapping to several symbols, like ɜɹ, gives one unit per symbol; a silence or spn interval is one
 *     unit) are aligned monotonically with the tokens by dynamic programming minimising:
 *     phone unit ↔ phone token 0 if the symbols are equal, 0.2 for near pairs ({@link #NEAR}), 0.6 if
 *     both are vowels or both consonants, 2.5 otherwise; silence ↔ pad 0, ↔ punctuation 0.05, ↔ space 0.1
 *     (so leading/trailing silence goes to the pads and a pause to a comma before a space); spn ↔ a run of
 *     tokens without breaks holding at least one phone 0.3 (or, like a silence, ↔ a pad or break); a token left out: mark/break/pad 0, phone 1
 *     (it gets 0 frames); a unit left out: phone 1, silence or spn 0.5. Any other pairing is
 *     impossible.</li>
 * <li><b>Frames → tokens.</b> An interval's frames are split evenly over its units (floor of cumulative
 *     shares); a matched unit gives its frames to its token, spn to the phone tokens of its run (evenly);
 *     a left-out phone unit gives them to the token of the nearest unit before it that matched a phone
 *     (else after it), a left-out silence to the nearest matched unit's token before it (else after it),
 *     and to the leading pad if nothing matched at all. Marks never receive frames, so durations are
 *     ≥ 0 and may be 0.</li>
 * </ol>
 */
public final class MfaDurations {
    private MfaDurations() {}

    public static final double FRAMES_PER_SECOND = 24000.0 / 600.0;

    /** ARPAbet (stress digits removed except where the stress changes the vowel) → Kokoro symbols. */
    static final Map<String, String> ARPABET = Map.ofEntries(
            Map.entry("AA", "ɑ"), Map.entry("AE", "æ"), Map.entry("AH0", "ə"), Map.entry("AH1", "ʌ"), Map.entry("AH2", "ʌ"),
            Map.entry("AH", "ʌ"), Map.entry("AO", "ɔ"), Map.entry("AW", "W"), Map.entry("AY", "I"), Map.entry("EH", "ɛ"),
            Map.entry("ER0", "ɚ"), Map.entry("ER1", "ɜɹ"), Map.entry("ER2", "ɜɹ"), Map.entry("ER", "ɜɹ"), Map.entry("EY", "A"),
            Map.entry("IH", "ɪ"), Map.entry("IY", "i"), Map.entry("OW", "O"), Map.entry("OY", "Y"), Map.entry("UH", "ʊ"),
            Map.entry("UW", "u"), Map.entry("AX", "ə"), Map.entry("AXR", "ɚ"), Map.entry("IX", "ᵻ"),
            Map.entry("B", "b"), Map.entry("CH", "ʧ"), Map.entry("D", "d"), Map.entry("DH", "ð"), Map.entry("DX", "T"),
            Map.entry("F", "f"), Map.entry("G", "ɡ"), Map.entry("HH", "h"), Map.entry("JH", "ʤ"), Map.entry("K", "k"),
            Map.entry("L", "l"), Map.entry("M", "m"), Map.entry("N", "n"), Map.entry("NG", "ŋ"), Map.entry("P", "p"),
            Map.entry("R", "ɹ"), Map.entry("S", "s"), Map.entry("SH", "ʃ"), Map.entry("T", "t"), Map.entry("TH", "θ"),
            Map.entry("V", "v"), Map.entry("W", "w"), Map.entry("Y", "j"), Map.entry("Z", "z"), Map.entry("ZH", "ʒ"));

    /** Whole IPA labels (after dropping diacritics) that are one Kokoro diphthong letter. */
    private static final Map<String, String> IPA_WHOLE = Map.ofEntries(
            Map.entry("ow", "O"), Map.entry("oʊ", "O"), Map.entry("o", "O"), Map.entry("ej", "A"), Map.entry("eɪ", "A"),
            Map.entry("e", "A"), Map.entry("aj", "I"), Map.entry("aɪ", "I"), Map.entry("aw", "W"), Map.entry("aʊ", "W"),
            Map.entry("ɔj", "Y"), Map.entry("ɔɪ", "Y"), Map.entry("oj", "Y"), Map.entry("oɪ", "Y"), Map.entry("əʊ", "Q"));

    /** IPA replacements inside a label, applied in order. */
    private static final String[][] IPA_REPLACE = {
            {"tʃ", "ʧ"}, {"dʒ", "ʤ"}, {"ɝ", "ɜɹ"}, {"r", "ɹ"}, {"ɫ", "l"}, {"g", "ɡ"}, {"c", "k"}, {"ɟ", "ɡ"},
            {"ʎ", "l"}, {"ɲ", "n"}, {"ç", "h"}, {"ʉ", "u"}, {"ɾ", "T"}, {"ʔ", "t"}};

    /** Dropped from IPA labels (besides combining marks). */
    private static final String IPA_DROP = "ʰʷʲˠˤːˑˈˌ";

    static final String VOWELS = "AIOQWYaeiouyæɐɑɒɔəɘɚɛɜɝɞɤɨɪɯɵɶʉʊʌʏøœᵊᵻ";

    /** Zero-duration tokens that are not breaks. */
    private static final String MARKS = "ˈˌːˑʰʲʷᵝ→↓↗↘";

    /** Pairs of different symbols that are nearly the same sound (cost 0.2). */
    private static final String[] NEAR = {
            "Tt", "Td", "Tɾ", "ɾt", "ɾd", "tʔ", "əʌ", "əɪ", "əᵻ", "ɪᵻ", "əɚ", "ɜɚ", "ɑɔ", "ɑɒ", "ɒɔ", "Oo", "Ae",
            "ɐə", "ɐʌ", "iɪ", "uʊ", "ɛæ", "ʊᵊ", "əᵊ"};

    private static final int PAD = 0, PUNCT = 1, SPACE = 2, MARK = 3, VOWEL = 4, CONSONANT = 5;
    private static final int SIL = -1, SPN = -2;
    private static final double INF = Double.POSITIVE_INFINITY;

    /**
     * Durations per Kokoro token (pads included), summing to {@code totalFrames}.
     *
     * @param tg             an MFA TextGrid with a "phones" tier
     * @param kokoroPhonemes the Kokoro phoneme string of the same utterance (one token per code point)
     * @param totalFrames    the recording's length in 600-sample frames
     */
    public static int[] fromTextGrid(TextGrid tg, String kokoroPhonemes, int totalFrames) {
        if (totalFrames < 0) throw new IllegalArgumentException(tg.source() + ": negative totalFrames " + totalFrames);
        List<TextGrid.Interval> phones = tg.tier("phones");
        if (phones.isEmpty()) throw new IllegalArgumentException(tg.source() + ": the phones tier has no intervals");
        long tierEnd = Math.round(phones.getLast().xmax() * FRAMES_PER_SECOND);
        if (Math.abs(tierEnd - totalFrames) > Math.max(4, totalFrames / 20))
            throw new IllegalArgumentException(tg.source() + ": the phones tier ends at " + phones.getLast().xmax() + " s = "
                    + tierEnd + " frames, but the audio has " + totalFrames + " frames (" + totalFrames / FRAMES_PER_SECOND + " s)");

        // Frames of each interval.
        int K = phones.size();
        int[] boundary = new int[K + 1];
        for (int k = 1; k < K; k++)
            boundary[k] = (int) Math.max(boundary[k - 1], Math.min(totalFrames, Math.round(phones.get(k).xmin() * FRAMES_PER_SECOND)));
        boundary[K] = totalFrames;

        // Units: one per mapped symbol, one per silence/spn interval.
        List<int[]> units = new ArrayList<>(); // {symbol or SIL/SPN, frames}
        for (int k = 0; k < K; k++) {
            int frames = boundary[k + 1] - boundary[k];
            String label = phones.get(k).text().strip();
            if (isSilence(label)) units.add(new int[]{SIL, frames});
            else if (label.equals("spn")) units.add(new int[]{SPN, frames});
            else {
                int[] sym = kokoroSymbols(label, tg.source(), phones.get(k)).codePoints().toArray();
                for (int r = 0; r < sym.length; r++)
                    units.add(new int[]{sym[r], (int) ((long) (r + 1) * frames / sym.length - (long) r * frames / sym.length)});
            }
        }

        // Tokens.
        int[] cps = kokoroPhonemes.codePoints().toArray();
        int T = cps.length + 2;
        int[] tok = new int[T], type = new int[T];
        type[0] = PAD;
        type[T - 1] = PAD;
        for (int j = 0; j < cps.length; j++) {
            tok[j + 1] = cps[j];
            type[j + 1] = classify(cps[j]);
        }

        Alignment a = align(units, tok, type);
        int[] out = new int[T];
        for (int u = 0; u < units.size(); u++) {
            int frames = units.get(u)[1];
            if (a.owner[u] >= 0) out[a.owner[u]] += frames;
            else if (a.runEnd[u] > 0) { // spn over the phone tokens of [runStart, runEnd)
                int n = 0;
                for (int j = a.runStart[u]; j < a.runEnd[u]; j++) if (isPhone(type[j])) n++;
                int r = 0;
                for (int j = a.runStart[u]; j < a.runEnd[u]; j++)
                    if (isPhone(type[j])) { out[j] += (int) ((long) (r + 1) * frames / n - (long) r * frames / n); r++; }
            } else out[a.fallback(u, units.get(u)[0] >= 0, type)] += frames;
        }
        return out;
    }

    private static boolean isPhone(int type) { return type == VOWEL || type == CONSONANT; }

    /** Per unit: the matched token, or -1 (left out, or spn over the tokens [runStart, runEnd)). */
    private record Alignment(int[] owner, int[] runStart, int[] runEnd) {
        /** The token that receives a left-out unit's frames. */
        int fallback(int u, boolean phoneUnit, int[] type) {
            for (int v = u - 1; v >= 0; v--) {
                int t = token(v, type, false);
                if (t >= 0 && (!phoneUnit || isPhone(type[t]))) return t;
            }
            for (int v = u + 1; v < owner.length; v++) {
                int t = token(v, type, true);
                if (t >= 0 && (!phoneUnit || isPhone(type[t]))) return t;
            }
            return 0;
        }

        /** The token unit v went to (for an spn run: its first or last phone), or -1. */
        private int token(int v, int[] type, boolean first) {
            if (owner[v] >= 0) return owner[v];
            if (runEnd[v] == 0) return -1;
            for (int k = 0; k < runEnd[v] - runStart[v]; k++) {
                int j = first ? runStart[v] + k : runEnd[v] - 1 - k;
                if (isPhone(type[j])) return j;
            }
            return -1;
        }
    }

    private static final byte DIAG = 1, SPN_RUN = 2, SKIP_TOKEN = 3, SKIP_UNIT = 4;

    /** Minimum-cost monotone alignment of units with tokens (costs in the class comment). */
    private static Alignment align(List<int[]> units, int[] tok, int[] type) {
        int U = units.size(), T = tok.length, W = T + 1;
        double[] D = new double[(U + 1) * W];
        byte[] move = new byte[(U + 1) * W];
        int[] runFrom = new int[(U + 1) * W];
        for (int i = 0; i <= U; i++) {
            int sym = i > 0 ? units.get(i - 1)[0] : 0;
            for (int j = 0; j <= T; j++) {
                if (i == 0 && j == 0) continue;
                double best = INF;
                byte m = 0;
                int from = 0;
                if (i > 0 && j > 0) {
                    double c = D[(i - 1) * W + j - 1] + match(sym, tok[j - 1], type[j - 1]);
                    if (c < best) { best = c; m = DIAG; }
                }
                if (i > 0 && sym == SPN) {
                    boolean phone = false;
                    for (int s = j - 1; s >= 0 && (type[s] == MARK || isPhone(type[s])); s--) {
                        phone |= isPhone(type[s]);
                        double c = D[(i - 1) * W + s] + 0.3;
                        if (phone && c < best) { best = c; m = SPN_RUN; from = s; }
                    }
                }
                if (j > 0) {
                    double c = D[i * W + j - 1] + (isPhone(type[j - 1]) ? 1 : 0);
                    if (c < best) { best = c; m = SKIP_TOKEN; }
                }
                if (i > 0) {
                    double c = D[(i - 1) * W + j] + (sym >= 0 ? 1 : 0.5);
                    if (c < best) { best = c; m = SKIP_UNIT; }
                }
                D[i * W + j] = best;
                move[i * W + j] = m;
                runFrom[i * W + j] = from;
            }
        }
        int[] owner = new int[U], runStart = new int[U], runEnd = new int[U];
        java.util.Arrays.fill(owner, -1);
        for (int i = U, j = T; i > 0 || j > 0; ) {
            switch (move[i * W + j]) {
                case DIAG -> { owner[i - 1] = j - 1; i--; j--; }
                case SPN_RUN -> { int s = runFrom[i * W + j]; runStart[i - 1] = s; runEnd[i - 1] = j; i--; j = s; }
                case SKIP_TOKEN -> j--;
                case SKIP_UNIT -> i--;
                default -> throw new IllegalStateException("alignment backtrace lost at " + i + ", " + j);
            }
        }
        return new Alignment(owner, runStart, runEnd);
    }

    private static double match(int sym, int tok, int type) {
        if (sym < 0) return switch (type) {
            case PAD -> 0;
            case PUNCT -> 0.05;
            case SPACE -> 0.1;
            default -> INF;
        };
        if (!isPhone(type)) return INF;
        if (sym == tok) return 0;
        for (String p : NEAR)
            if ((p.codePointAt(0) == sym && p.codePointAt(1) == tok) || (p.codePointAt(0) == tok && p.codePointAt(1) == sym)) return 0.2;
        boolean vowel = VOWELS.indexOf(sym) >= 0;
        return vowel == (type == VOWEL) ? 0.6 : 2.5;
    }

    static boolean isSilence(String label) {
        return label.isEmpty() || label.equals("sil") || label.equals("sp") || label.equals("<eps>");
    }

    /** One MFA phone label → Kokoro symbols (see the class comment). */
    static String kokoroSymbols(String label, String source, TextGrid.Interval where) {
        if (label.matches("[A-Z]{1,3}[0-2]?")) {
            String s = ARPABET.get(label);
            if (s == null) s = ARPABET.get(label.replaceAll("[0-2]$", ""));
            if (s == null)
                throw new IllegalArgumentException(source + ": unknown ARPAbet phone \"" + label + "\" at " + where.xmin() + "–" + where.xmax() + " s");
            return s;
        }
        StringBuilder b = new StringBuilder();
        Normalizer.normalize(label, Normalizer.Form.NFD).codePoints().forEach(cp -> {
            if (Character.getType(cp) != Character.NON_SPACING_MARK && IPA_DROP.indexOf(cp) < 0) b.appendCodePoint(cp);
        });
        String s = Normalizer.normalize(b.toString(), Normalizer.Form.NFC);
        String whole = IPA_WHOLE.get(s);
        if (whole != null) return whole;
        for (String[] r : IPA_REPLACE) s = s.replace(r[0], r[1]);
        if (s.isEmpty())
            throw new IllegalArgumentException(source + ": phone \"" + label + "\" at " + where.xmin() + "–" + where.xmax() + " s has no symbols");
        return s;
    }

    static int classify(int cp) {
        if (cp == ' ' || Character.isWhitespace(cp)) return SPACE;
        if (MARKS.indexOf(cp) >= 0) return MARK;
        int t = Character.getType(cp);
        if (t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK || t == Character.ENCLOSING_MARK) return MARK;
        if (VOWELS.indexOf(cp) >= 0) return VOWEL;
        if (Character.isLetter(cp)) return CONSONANT;
        return PUNCT; // . , ! ? ; : — … “ ” ( ) " and other symbols
    }
}
