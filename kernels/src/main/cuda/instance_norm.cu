// Instance norm over time per (b, c) row of x [B, C, T] (biased variance, eps inside the square root, as
// the engine's Norms.instanceNorm1d / F.instance_norm) and AdaIN1d's normalize+affine
//   out = (1 + gamma[b,c]) * (w[c] * xhat + nb[c]) + beta[b,c]
// (gamma/beta from the style fc, which the caller computes; w/nb the InstanceNorm1d affine, may be null).
// With alpha non-null the forward applies snake to that (AdaIN + snake fused, Kokoro's resblock order).
// Plain instance norm is mode 0: out = w[c] * xhat + nb[c]. Sums in double (as the CPU path), one block per row.
#include <cuda_runtime.h>

__device__ __forceinline__ double block_sum_d(double v, double *sh) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  __syncthreads();
  if (lane == 0) sh[w] = v;
  __syncthreads();
  double s = 0;
  for (int i = 0; i < (int)(blockDim.x >> 5); i++) s += sh[i];
  return s;  // every thread
}

// Per-row scale a and shift s: out = a * xhat + s.
__device__ __forceinline__ void row_affine(int row, int C, int ada, const float *gamma, const float *beta, const float *w,
                                           const float *nb, float &a, float &s) {
  const int c = row % C;
  const float wc = w ? w[c] : 1.f, bc = nb ? nb[c] : 0.f;
  if (ada) {
    const float g1 = 1.f + gamma[row];
    a = g1 * wc;
    s = g1 * bc + beta[row];
  } else {
    a = wc;
    s = bc;
  }
}

extern "C" __global__ void instnorm_fwd(const float *x, const float *gamma, const float *beta, const float *w, const float *nb,
                                        const float *alpha, float *pre, float *out, float *mean, float *rstd, int R, int C, int T,
                                        int ada, float eps) {
  __shared__ double sh[32];
  for (int row = blockIdx.x; row < R; row += gridDim.x) {
    const float *xr = x + (size_t)row * T;
    double s = 0;
    for (int j = threadIdx.x; j < T; j += blockDim.x) s += xr[j];
    const double m = block_sum_d(s, sh) / T;
    double q = 0;
    for (int j = threadIdx.x; j < T; j += blockDim.x) { const double d = xr[j] - m; q += d * d; }
    const double var = block_sum_d(q, sh) / T;
    const double rs = 1.0 / sqrt(var + (double)eps);
    float a, sft;
    row_affine(row, C, ada, gamma, beta, w, nb, a, sft);
    const float mf = (float)m, k = (float)(rs * a);
    float *orow = out + (size_t)row * T;
    if (alpha) {  // fused snake on the normalized value (pre keeps it for the backward when asked)
      const float a = alpha[row % C], inv = 1.f / a;
      float *prow = pre ? pre + (size_t)row * T : nullptr;
      for (int j = threadIdx.x; j < T; j += blockDim.x) {
        const float v = (xr[j] - mf) * k + sft, sn = sinf(a * v);
        if (prow) prow[j] = v;
        orow[j] = v + sn * sn * inv;
      }
    } else {
      for (int j = threadIdx.x; j < T; j += blockDim.x) orow[j] = (xr[j] - mf) * k + sft;
    }
    if (threadIdx.x == 0) { mean[row] = mf; rstd[row] = (float)rs; }
  }
}

// dx = a * rs * (g - mean(g) - xhat * mean(g * xhat)); rowG[row] = sum g, rowGX[row] = sum g * xhat.
// The row's mean and 1/std are recomputed here in double and dx is formed in double: for short rows the
// bracket cancels almost exactly (T = 2: xhat = +-1 up to eps, and dx is O(eps)), which float32 statistics
// would swamp.
extern "C" __global__ void instnorm_bwd(const float *x, const float *g, const float *gamma, const float *beta, const float *w,
                                        const float *nb, float *dx, float *rowG, float *rowGX, int R, int C, int T, int ada, float eps) {
  __shared__ double sh[32];
  for (int row = blockIdx.x; row < R; row += gridDim.x) {
    const float *xr = x + (size_t)row * T, *gr = g + (size_t)row * T;
    double s = 0;
    for (int j = threadIdx.x; j < T; j += blockDim.x) s += xr[j];
    const double m = block_sum_d(s, sh) / T;
    double q = 0;
    for (int j = threadIdx.x; j < T; j += blockDim.x) { const double d = xr[j] - m; q += d * d; }
    const double rs = 1.0 / sqrt(block_sum_d(q, sh) / T + (double)eps);
    double sg = 0, sgx = 0;
    for (int j = threadIdx.x; j < T; j += blockDim.x) {
      const double gv = gr[j];
      sg += gv;
      sgx += gv * ((xr[j] - m) * rs);
    }
    sg = block_sum_d(sg, sh);
    sgx = block_sum_d(sgx, sh);
    if (dx) {
      float a, sft;
      row_affine(row, C, ada, gamma, beta, w, nb, a, sft);
      const double k = (double)a * rs, mg = sg / T, mgx = sgx / T;
      float *dr = dx + (size_t)row * T;
      for (int j = threadIdx.x; j < T; j += blockDim.x) dr[j] = (float)(k * (gr[j] - mg - (xr[j] - m) * rs * mgx));
    }
    if (threadIdx.x == 0) { rowG[row] = (float)sg; rowGX[row] = (float)sgx; }
  }
}

// Parameter gradients from the row sums. Per row (b, c): dgamma = w*sgx + nb*sg, dbeta = sg (AdaIN).
// Per channel: dw[c] = sum_b a'(b,c) * sgx, dnb[c] = sum_b a'(b,c) * sg with a' = 1 + gamma (AdaIN) or 1.
extern "C" __global__ void instnorm_param_grads(const float *rowG, const float *rowGX, const float *gamma, const float *w, const float *nb,
                                                float *dgamma, float *dbeta, float *dw, float *dnb, int B, int C, int ada) {
  const int idx = blockIdx.x * blockDim.x + threadIdx.x;
  if (idx < B * C) {
    const int c = idx % C;
    if (dgamma) dgamma[idx] = (w ? w[c] : 1.f) * rowGX[idx] + (nb ? nb[c] : 0.f) * rowG[idx];
    if (dbeta) dbeta[idx] = rowG[idx];
  }
  if (idx < C && (dw || dnb)) {
    double aw = 0, ab = 0;
    for (int b = 0; b < B; b++) {
      const int r = b * C + idx;
      const double g1 = ada ? 1.0 + gamma[r] : 1.0;
      aw += g1 * rowGX[r];
      ab += g1 * rowG[r];
    }
    if (dw) dw[idx] = (float)aw;
    if (dnb) dnb[idx] = (float)ab;
  }
}

// Row-in-shared-memory variants for long rows (Kokoro's generator: T 5120 and 30720; up to ~56k samples): one
// block per row copies it once into shared memory (dynamic, 4·T bytes), so the forward reads x from device memory
// once instead of three times, and the backward reads x once and g twice instead of x four times and g twice. The
// statistics are the same exact two-pass double sums, taken from shared memory; same math and outputs as
// instnorm_fwd / instnorm_bwd.
__device__ __forceinline__ void load_row_smem(const float *__restrict__ r, float *xs, int T) {
#pragma unroll 8
  for (int j = threadIdx.x; j < T; j += blockDim.x) xs[j] = r[j];
  __syncthreads();
}

__device__ __forceinline__ void row_stats_smem(const float *xs, int T, float eps, double *sh, double &m, double &rs) {
  double s = 0;
  for (int j = threadIdx.x; j < T; j += blockDim.x) s += xs[j];
  m = block_sum_d(s, sh) / T;
  double q = 0;
  for (int j = threadIdx.x; j < T; j += blockDim.x) { const double d = xs[j] - m; q += d * d; }
  rs = 1.0 / sqrt(block_sum_d(q, sh) / T + (double)eps);
}

extern "C" __global__ void instnorm_fwd_smem(const float *__restrict__ x, const float *gamma, const float *beta, const float *w,
                                             const float *nb, const float *alpha, float *pre, float *out, float *mean, float *rstd,
                                             int R, int C, int T, int ada, float eps) {
  extern __shared__ float xs[];
  __shared__ double sh[32];
  for (int row = blockIdx.x; row < R; row += gridDim.x) {
    __syncthreads();  // the previous row's readers of xs are done
    load_row_smem(x + (size_t)row * T, xs, T);
    double m, rs;
    row_stats_smem(xs, T, eps, sh, m, rs);
    float a, sft;
    row_affine(row, C, ada, gamma, beta, w, nb, a, sft);
    const float mf = (float)m, k = (float)(rs * a);
    float *orow = out + (size_t)row * T;
    if (alpha) {
      const float al = alpha[row % C], inv = 1.f / al;
      float *prow = pre ? pre + (size_t)row * T : nullptr;
      for (int j = threadIdx.x; j < T; j += blockDim.x) {
        const float v = (xs[j] - mf) * k + sft, sn = sinf(al * v);
        if (prow) prow[j] = v;
        orow[j] = v + sn * sn * inv;
      }
    } else {
      for (int j = threadIdx.x; j < T; j += blockDim.x) orow[j] = (xs[j] - mf) * k + sft;
    }
    if (threadIdx.x == 0) { mean[row] = mf; rstd[row] = (float)rs; }
  }
}

extern "C" __global__ void instnorm_bwd_smem(const float *__restrict__ x, const float *__restrict__ g, const float *gamma,
                                             const float *beta, const float *w, const float *nb, float *dx, float *rowG,
                                             float *rowGX, int R, int C, int T, int ada, float eps) {
  extern __shared__ float xs[];
  __shared__ double sh[32];
  for (int row = blockIdx.x; row < R; row += gridDim.x) {
    __syncthreads();
    load_row_smem(x + (size_t)row * T, xs, T);
    const float *gr = g + (size_t)row * T;
    double m, rs;
    row_stats_smem(xs, T, eps, sh, m, rs);
    double sg = 0, sgx = 0;
#pragma unroll 4
    for (int j = threadIdx.x; j < T; j += blockDim.x) {
      const double gv = gr[j];
      sg += gv;
      sgx += gv * ((xs[j] - m) * rs);
    }
    sg = block_sum_d(sg, sh);
    sgx = block_sum_d(sgx, sh);
    if (dx) {
      float a, sft;
      row_affine(row, C, ada, gamma, beta, w, nb, a, sft);
      const double k = (double)a * rs, mg = sg / T, mgx = sgx / T;
      float *dr = dx + (size_t)row * T;
#pragma unroll 4
      for (int j = threadIdx.x; j < T; j += blockDim.x) dr[j] = (float)(k * (gr[j] - mg - (xs[j] - m) * rs * mgx));
    }
    if (threadIdx.x == 0) { rowG[row] = (float)sg; rowGX[row] = (float)sgx; }
  }
}
