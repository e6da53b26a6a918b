package dev.kokoro.g2p;

import dev.kokoro.engine.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Kokoro phonemes → input ids. Each phoneme is one character of the model config's {@code vocab};
 * ids are wrapped in the 0 pad as KModel does ({@code [0, *ids, 0]}), so one chunk holds at most
 * {@link #MAX_PHONEMES} phonemes (context 512). Longer input is cut at sentence ends, then at
 * clause marks, then at spaces, and only as a last resort inside a word.
 */
public final class Tokenizer {
    public static final int MAX_PHONEMES = 510;
    private static final System.Logger LOG = System.getLogger(Tokenizer.class.getName());
    /** Boundaries, strongest first (KPipeline's waterfall: sentence ends, then clause marks). */
    private static final String[] LEVELS = {".!?…", ":;", ",—", " "};

    private final Map<Integer, Integer> vocab;  // code point → id

    public Tokenizer(Map<String, ? extends Number> vocab) {
        Map<Integer, Integer> v = new LinkedHashMap<>();
        for (var e : vocab.entrySet()) {
            if (e.getKey().codePointCount(0, e.getKey().length()) != 1)
                throw new IllegalArgumentException("vocab symbol '" + e.getKey() + "' is not a single character");
            v.put(e.getKey().codePointAt(0), e.getValue().intValue());
        }
        this.vocab = Collections.unmodifiableMap(v);
    }

    /** The {@code vocab} map of a Kokoro config.json (e.g. kokoro-v1_0.config.json). */
    @SuppressWarnings("unchecked")
    public static Tokenizer fromConfig(Path configJson) throws IOException {
        Map<String, Object> cfg;
        try {
            cfg = Json.parseObject(Files.readString(configJson));
        } catch (IllegalArgumentException e) {
            throw new IOException(configJson + ": " + e.getMessage(), e);
        }
        if (!(cfg.get("vocab") instanceof Map<?, ?> m)) throw new IOException(configJson + ": no \"vocab\" object");
        try {
            return new Tokenizer((Map<String, Number>) m);
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new IOException(configJson + ": bad vocab (" + e.getMessage() + ")", e);
        }
    }

    public boolean contains(int codePoint) { return vocab.containsKey(codePoint); }

    /** The phonemes with every symbol outside the vocabulary removed (one warning lists them). */
    public String filter(String phonemes) {
        StringBuilder out = new StringBuilder();
        TreeSet<String> unknown = new TreeSet<>();
        phonemes.codePoints().forEach(cp -> {
            if (vocab.containsKey(cp)) out.appendCodePoint(cp);
            else unknown.add(String.format("'%s' (U+%04X)", Character.toString(cp), cp));
        });
        if (!unknown.isEmpty()) LOG.log(System.Logger.Level.WARNING, "dropped phonemes not in the Kokoro vocabulary: " + String.join(", ", unknown));
        return out.toString();
    }

    /** Ids of phonemes already in the vocabulary, without padding. */
    private long[] ids(String phonemes) {
        return phonemes.codePoints().mapToLong(cp -> {
            Integer id = vocab.get(cp);
            if (id == null) throw new IllegalArgumentException("phoneme '" + Character.toString(cp) + "' is not in the vocabulary");
            return id;
        }).toArray();
    }

    /** {@code [0, *ids, 0]} for one chunk of at most {@link #MAX_PHONEMES} phonemes (unknown symbols dropped). */
    public long[] encode(String phonemes) {
        String p = filter(phonemes);
        int n = p.codePointCount(0, p.length());
        if (n > MAX_PHONEMES)
            throw new IllegalArgumentException(n + " phonemes do not fit Kokoro's context of " + MAX_PHONEMES + "; use encodeChunks");
        long[] ids = ids(p), out = new long[n + 2];
        System.arraycopy(ids, 0, out, 1, n);
        return out;
    }

    /** Each chunk of {@link #split} encoded with its padding. */
    public List<long[]> encodeChunks(String phonemes) {
        List<long[]> out = new ArrayList<>();
        for (String c : split(phonemes)) out.add(encode(c));
        return out;
    }

    /**
     * Unknown symbols dropped, then cut into chunks of at most {@link #MAX_PHONEMES} phonemes, as
     * few as the boundaries allow. Whitespace at a cut is dropped; nothing else is lost.
     */
    public List<String> split(String phonemes) {
        List<String> out = new ArrayList<>();
        for (String c : split(filter(phonemes).strip(), 0)) if (!c.isEmpty()) out.add(c);
        return out;
    }

    private static int len(String s) { return s.codePointCount(0, s.length()); }

    private static List<String> split(String s, int level) {
        if (len(s) <= MAX_PHONEMES) return List.of(s);
        if (level == LEVELS.length) {  // no boundary left: cut every MAX_PHONEMES code points
            List<String> out = new ArrayList<>();
            for (int i = 0; i < s.length(); ) {
                int j = s.offsetByCodePoints(i, Math.min(MAX_PHONEMES, s.codePointCount(i, s.length())));
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        // pieces end just after a boundary symbol of this level
        List<String> pieces = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            if (LEVELS[level].indexOf(s.charAt(i)) >= 0) {
                int end = i + 1;
                while (end < s.length() && LEVELS[level].indexOf(s.charAt(end)) >= 0) end++;  // "?!", "…"
                pieces.add(s.substring(start, end));
                start = end;
                i = end - 1;
            }
        }
        if (start < s.length()) pieces.add(s.substring(start));
        // pack whole pieces greedily; a piece that alone is too long goes down a level
        List<String> out = new ArrayList<>();
        String cur = "";
        for (String p : pieces) {
            if (len((cur + p).strip()) <= MAX_PHONEMES) { cur += p; continue; }
            if (!cur.isBlank()) out.add(cur.strip());
            cur = "";
            if (len(p.strip()) <= MAX_PHONEMES) cur = p;
            else out.addAll(split(p.strip(), level + 1));
        }
        if (!cur.isBlank()) out.add(cur.strip());
        return out;
    }
}
