package dev.kokoro.model;

import dev.kokoro.engine.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kokoro's config.json. {@code decoderHidden} / {@code decoderAsrRes} are hard-coded in the real
 * Decoder (1024 / 64); the tiny fixture sets them with {@code decoder_hidden} / {@code decoder_asr_res}.
 */
public record KokoroConfig(
        int nToken, int hiddenDim, int styleDim, int nLayer, int maxDur, int dimIn, int maxConvDim, int nMels,
        int textEncoderKernelSize, double dropout,
        Plbert plbert, Istftnet istftnet,
        int decoderHidden, int decoderAsrRes,
        Map<String, Integer> vocab) {

    public record Plbert(int hiddenSize, int numAttentionHeads, int intermediateSize, int maxPositionEmbeddings,
                         int numHiddenLayers, int embeddingSize) {}

    public record Istftnet(int[] upsampleRates, int[] upsampleKernelSizes, int upsampleInitialChannel,
                           int[] resblockKernelSizes, int[][] resblockDilationSizes, int genIstftNFft, int genIstftHopSize) {}

    public static KokoroConfig load(Path file) throws IOException {
        try {
            return parse(Files.readString(file));
        } catch (IllegalArgumentException | ClassCastException | NullPointerException e) {
            throw new IOException(file + ": not a Kokoro config (" + e.getMessage() + ")", e);
        }
    }

    @SuppressWarnings("unchecked")
    public static KokoroConfig parse(String json) {
        Map<String, Object> c = Json.parseObject(json);
        Map<String, Object> pb = (Map<String, Object>) req(c, "plbert");
        Map<String, Object> is = (Map<String, Object>) req(c, "istftnet");
        Map<String, Integer> vocab = new LinkedHashMap<>();
        ((Map<String, Object>) req(c, "vocab")).forEach((k, v) -> vocab.put(k, ((Number) v).intValue()));
        List<Object> dil = (List<Object>) req(is, "resblock_dilation_sizes");
        int[][] dils = new int[dil.size()][];
        for (int i = 0; i < dils.length; i++) dils[i] = ints(dil.get(i));
        Plbert plbert = new Plbert(num(pb, "hidden_size"), num(pb, "num_attention_heads"), num(pb, "intermediate_size"),
                num(pb, "max_position_embeddings"), num(pb, "num_hidden_layers"),
                pb.containsKey("embedding_size") ? num(pb, "embedding_size") : 128);
        Istftnet ist = new Istftnet(ints(req(is, "upsample_rates")), ints(req(is, "upsample_kernel_sizes")),
                num(is, "upsample_initial_channel"), ints(req(is, "resblock_kernel_sizes")), dils,
                num(is, "gen_istft_n_fft"), num(is, "gen_istft_hop_size"));
        return new KokoroConfig(num(c, "n_token"), num(c, "hidden_dim"), num(c, "style_dim"), num(c, "n_layer"),
                num(c, "max_dur"), num(c, "dim_in"), num(c, "max_conv_dim"), num(c, "n_mels"),
                num(c, "text_encoder_kernel_size"), ((Number) c.getOrDefault("dropout", 0.0)).doubleValue(),
                plbert, ist,
                c.containsKey("decoder_hidden") ? num(c, "decoder_hidden") : 1024,
                c.containsKey("decoder_asr_res") ? num(c, "decoder_asr_res") : 64,
                vocab);
    }

    private static Object req(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) throw new IllegalArgumentException("missing key '" + key + "'");
        return v;
    }

    private static int num(Map<String, Object> m, String key) {
        return ((Number) req(m, key)).intValue();
    }

    @SuppressWarnings("unchecked")
    private static int[] ints(Object o) {
        List<Object> l = (List<Object>) o;
        int[] r = new int[l.size()];
        for (int i = 0; i < r.length; i++) r[i] = ((Number) l.get(i)).intValue();
        return r;
    }
}
