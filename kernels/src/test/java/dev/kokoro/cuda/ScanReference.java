package dev.kokoro.cuda;

/**
 * Plain float64 selective scan (mamba-ssm selective_scan_ref semantics) and its hand-derived backward,
 * the reference for the GPU kernels. Layouts: u, delta, z [Bt, D, L], A [D, N], B, C [Bt, N, L], D, bias [D].
 */
final class ScanReference {
    final int bt, d, l, n;
    final boolean softplus;
    final double[] u, delta, A, B, C, Dskip, z, bias;  // Dskip, z, bias may be null
    double[] out;
    double[] du, ddelta, dA, dB, dC, dD, dz, dbias;

    ScanReference(int bt, int d, int l, int n, boolean softplus, double[] u, double[] delta, double[] A, double[] B,
                  double[] C, double[] Dskip, double[] z, double[] bias) {
        this.bt = bt; this.d = d; this.l = l; this.n = n; this.softplus = softplus;
        this.u = u; this.delta = delta; this.A = A; this.B = B; this.C = C; this.Dskip = Dskip; this.z = z; this.bias = bias;
    }

    static double softplus(double x) { return x <= 20 ? Math.log1p(Math.exp(x)) : x; }
    static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }

    private double dt(int idx, int ch) {
        double v = delta[idx] + (bias == null ? 0 : bias[ch]);
        return softplus ? softplus(v) : v;
    }

    ScanReference forward() {
        out = new double[bt * d * l];
        for (int b = 0; b < bt; b++)
            for (int ch = 0; ch < d; ch++) {
                double[] x = new double[n];
                for (int t = 0; t < l; t++) {
                    int idx = (b * d + ch) * l + t;
                    double dt = dt(idx, ch), y = 0;
                    for (int s = 0; s < n; s++) {
                        x[s] = Math.exp(dt * A[ch * n + s]) * x[s] + dt * B[(b * n + s) * l + t] * u[idx];
                        y += x[s] * C[(b * n + s) * l + t];
                    }
                    if (Dskip != null) y += Dskip[ch] * u[idx];
                    if (z != null) y *= z[idx] * sigmoid(z[idx]);
                    out[idx] = y;
                }
            }
        return this;
    }

    ScanReference backward(double[] dout) {
        du = new double[bt * d * l]; ddelta = new double[bt * d * l]; dA = new double[d * n];
        dB = new double[bt * n * l]; dC = new double[bt * n * l];
        dD = Dskip == null ? null : new double[d];
        dz = z == null ? null : new double[bt * d * l];
        dbias = bias == null ? null : new double[d];
        for (int b = 0; b < bt; b++)
            for (int ch = 0; ch < d; ch++) {
                // forward, keeping every state
                double[][] xs = new double[l + 1][n];  // xs[t+1] = state after step t
                double[] dts = new double[l], ys = new double[l];
                for (int t = 0; t < l; t++) {
                    int idx = (b * d + ch) * l + t;
                    double dt = dt(idx, ch), y = 0;
                    dts[t] = dt;
                    for (int s = 0; s < n; s++) {
                        xs[t + 1][s] = Math.exp(dt * A[ch * n + s]) * xs[t][s] + dt * B[(b * n + s) * l + t] * u[idx];
                        y += xs[t + 1][s] * C[(b * n + s) * l + t];
                    }
                    if (Dskip != null) y += Dskip[ch] * u[idx];
                    ys[t] = y;
                }
                double[] h = new double[n], v = new double[n];  // v = a_{t+1} h_{t+1}
                for (int t = l - 1; t >= 0; t--) {
                    int idx = (b * d + ch) * l + t;
                    double dy = dout[idx];
                    if (z != null) {
                        double sg = sigmoid(z[idx]);
                        dz[idx] = dout[idx] * ys[t] * sg * (1 + z[idx] * (1 - sg));
                        dy *= z[idx] * sg;
                    }
                    double dt = dts[t], ddt = 0, duu = Dskip == null ? 0 : Dskip[ch] * dy;
                    if (Dskip != null) dD[ch] += dy * u[idx];
                    for (int s = 0; s < n; s++) {
                        int bi = (b * n + s) * l + t;
                        double a = Math.exp(dt * A[ch * n + s]);
                        h[s] = C[bi] * dy + v[s];
                        dC[bi] += dy * xs[t + 1][s];
                        dB[bi] += h[s] * dt * u[idx];
                        duu += h[s] * dt * B[bi];
                        ddt += h[s] * (B[bi] * u[idx] + A[ch * n + s] * a * xs[t][s]);
                        dA[ch * n + s] += h[s] * dt * a * xs[t][s];
                        v[s] = a * h[s];
                    }
                    du[idx] = duu;
                    double g = ddt;
                    if (softplus) g *= sigmoid(delta[idx] + (bias == null ? 0 : bias[ch]));
                    ddelta[idx] = g;
                    if (bias != null) dbias[ch] += g;
                }
            }
        return this;
    }

    /** Σ out·w, for finite-difference checks of the backward. */
    double loss(double[] w) {
        forward();
        double s = 0;
        for (int i = 0; i < out.length; i++) s += out[i] * w[i];
        return s;
    }
}
