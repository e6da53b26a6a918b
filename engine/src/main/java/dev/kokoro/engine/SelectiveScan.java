package dev.kokoro.engine;

/**
 * Mamba's selective scan with mamba-ssm's {@code selective_scan_fn} semantics (real A, variable B and C):
 * Δ = softplus(delta + deltaBias) when deltaSoftplus; h_t = exp(Δ_t A) h_{t-1} + Δ_t B_t u_t;
 * y_t = C_t · h_t + D u_t; out = y · silu(z) when z is given.
 */
public final class SelectiveScan {
    private SelectiveScan() {}

    /**
     * u, delta [B, D, L]; A [D, N]; Bm, Cm [B, N, L]; D [D] or null; z [B, D, L] or null;
     * deltaBias [D] or null. Returns [B, D, L]. Backward runs the recurrence in reverse.
     */
    public static Tensor scan(Tensor u, Tensor delta, Tensor A, Tensor Bm, Tensor Cm, Tensor D, Tensor z,
                              Tensor deltaBias, boolean deltaSoftplus) { throw new UnsupportedOperationException("not yet implemented"); }
}
