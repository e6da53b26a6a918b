package dev.kokoro.g2p;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * espeak-ng IPA (with '^' ties) → Kokoro's English phoneme symbols, as Kokoro's own phonemizer
 * does when it falls back to espeak: hexgrad/misaki, misaki/espeak.py, {@code EspeakFallback}
 * (its E2M table and the British/American post-processing). Our own table, same replacements:
 * diphthongs and affricates become Kokoro's single letters (eɪ→A, aɪ→I, aʊ→W, ɔɪ→Y, oʊ→O,
 * əʊ→Q (British), dʒ→ʤ, tʃ→ʧ), ɚ→əɹ, r→ɹ, glottal stops to t, syllabic consonants to ᵊ+C,
 * stress marks ˈ ˌ kept.
 */
public final class EspeakMap {
    private EspeakMap() {}

    /** misaki's E2M pairs; applied longest key first, each over the whole string. */
    static final List<Map.Entry<String, String>> E2M = List.<Map.Entry<String, String>>of(
            Map.entry("ʔˌn\u0329", "tn"), Map.entry("ʔn\u0329", "tn"), Map.entry("ʔn", "tn"), Map.entry("ʔ", "t"),
            Map.entry("a^ɪ", "I"), Map.entry("a^ʊ", "W"),
            Map.entry("d^ʒ", "ʤ"),
            Map.entry("e^ɪ", "A"), Map.entry("e", "A"),
            Map.entry("t^ʃ", "ʧ"),
            Map.entry("ɔ^ɪ", "Y"),
            Map.entry("ə^l", "ᵊl"),
            Map.entry("ʲo", "jo"), Map.entry("ʲə", "jə"), Map.entry("ʲ", ""),
            Map.entry("ɚ", "əɹ"),
            Map.entry("r", "ɹ"),
            Map.entry("x", "k"), Map.entry("ç", "k"),
            Map.entry("ɐ", "ə"),
            Map.entry("ɬ", "l"),
            Map.entry("\u0303", "")) // nasalisation
            .stream().sorted(Comparator.comparingInt((Map.Entry<String, String> e) -> -e.getKey().length())).toList();

    private static final Pattern SYLLABIC = Pattern.compile("(\\S)\u0329");

    /** Kokoro phonemes for espeak's IPA of English ({@code british} selects en-gb's rules). */
    public static String toKokoro(String ipa, boolean british) {
        String ps = ipa.strip();
        for (var e : E2M) ps = ps.replace(e.getKey(), e.getValue());
        ps = SYLLABIC.matcher(ps).replaceAll("ᵊ$1").replace("\u0329", "");  // syllabic n̩ → ᵊn
        if (british) {
            ps = ps.replace("e^ə", "ɛː").replace("iə", "ɪə").replace("ə^ʊ", "Q");
        } else {
            ps = ps.replace("o^ʊ", "O").replace("ɜːɹ", "ɜɹ").replace("ɜː", "ɜɹ").replace("ɪə", "iə").replace("ː", "");
        }
        ps = ps.replace("o", "ɔ");  // espeak-ng < 1.52 writes o where newer ones write ɔ
        return ps.replace("^", "");
    }
}
