package dev.kokoro.g2p;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Text → Kokoro input ids: {@link Phonemizer} (espeak-ng) then {@link Tokenizer}. */
public final class G2P {
    private final Phonemizer phonemizer;
    private final Tokenizer tokenizer;

    public G2P(Phonemizer phonemizer, Tokenizer tokenizer) {
        this.phonemizer = phonemizer;
        this.tokenizer = tokenizer;
    }

    /** American English with the vocabulary of {@code configJson}. */
    public static G2P american(Path configJson) throws IOException {
        return new G2P(Phonemizer.american(), Tokenizer.fromConfig(configJson));
    }

    public String phonemes(String text) throws IOException { return phonemizer.phonemize(text); }

    /** One {@code [0, *ids, 0]} per chunk of at most 510 phonemes. */
    public List<long[]> inputIds(String text) throws IOException { return tokenizer.encodeChunks(phonemes(text)); }

    public Tokenizer tokenizer() { return tokenizer; }
}
