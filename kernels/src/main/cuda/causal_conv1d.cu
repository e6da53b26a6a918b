// Causal depthwise conv1d (causal-conv1d semantics): x [B, D, L], w [D, K], bias [D] (optional),
// out[b,d,l] = act(bias[d] + sum_k w[d,k] x[b,d,l-(K-1)+k]), x = 0 left of the sequence,
// act = SiLU when silu != 0, identity otherwise.
#include <cuda_runtime.h>

__device__ __forceinline__ float sigm(float x) { return 1.f / (1.f + expf(-x)); }

__device__ __forceinline__ float conv_pre(const float *xr, const float *wr, float bias, int l, int K) {
  float acc = bias;
  for (int k = 0; k < K; k++) {
    int j = l - (K - 1) + k;
    if (j >= 0) acc += wr[k] * xr[j];
  }
  return acc;
}

extern "C" __global__ void causal_conv1d_fwd(const float *x, const float *w, const float *bias, float *out,
                                             int B, int D, int L, int K, int silu) {
  const size_t total = (size_t)B * D * L;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x) {
    const int l = (int)(i % L);
    const size_t r = i / L;
    const int d = (int)(r % D);
    float v = conv_pre(x + r * L, w + (size_t)d * K, bias ? bias[d] : 0.f, l, K);
    if (silu) v = v * sigm(v);
    out[i] = v;
  }
}

// g = dout * act'(pre): the gradient at the pre-activation, recomputed from x.
extern "C" __global__ void causal_conv1d_bwd_g(const float *x, const float *w, const float *bias, const float *dout,
                                               float *g, int B, int D, int L, int K, int silu) {
  const size_t total = (size_t)B * D * L;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x) {
    float gg = dout[i];
    if (silu) {
      const int l = (int)(i % L);
      const size_t r = i / L;
      const int d = (int)(r % D);
      const float v = conv_pre(x + r * L, w + (size_t)d * K, bias ? bias[d] : 0.f, l, K);
      const float s = sigm(v);
      gg *= s * (1.f + v * (1.f - s));
    }
    g[i] = gg;
  }
}

// dx[b,d,j] = sum_k w[d,k] g[b,d,j+(K-1)-k]
extern "C" __global__ void causal_conv1d_bwd_dx(const float *g, const float *w, float *dx, int B, int D, int L, int K) {
  const size_t total = (size_t)B * D * L;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x) {
    const int j = (int)(i % L);
    const size_t r = i / L;
    const int d = (int)(r % D);
    const float *gr = g + r * L, *wr = w + (size_t)d * K;
    float acc = 0.f;
    for (int k = 0; k < K; k++) {
      int l = j + (K - 1) - k;
      if (l < L) acc += wr[k] * gr[l];
    }
    dx[i] = acc;
  }
}

// One block per channel d: dw[d,k] = sum_{b,l} g[b,d,l] x[b,d,l-(K-1)+k], dbias[d] = sum g. K <= 16.
// Overwrites dw and dbias (no accumulation).
extern "C" __global__ void causal_conv1d_bwd_dw(const float *x, const float *g, float *dw, float *dbias,
                                                int B, int D, int L, int K) {
  __shared__ float red[16 + 1][32];
  const int d = blockIdx.x;
  float acc[17];
#pragma unroll
  for (int k = 0; k < 17; k++) acc[k] = 0.f;
  for (int b = 0; b < B; b++) {
    const float *xr = x + ((size_t)b * D + d) * L, *gr = g + ((size_t)b * D + d) * L;
    for (int l = threadIdx.x; l < L; l += blockDim.x) {
      const float gg = gr[l];
      acc[16] += gg;
#pragma unroll
      for (int k = 0; k < 16; k++) {
        if (k < K) {
          int j = l - (K - 1) + k;
          if (j >= 0) acc[k] += gg * xr[j];
        }
      }
    }
  }
  const int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
#pragma unroll
  for (int k = 0; k < 17; k++) {
    float v = acc[k];
    for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
    acc[k] = v;
  }
  for (int k = 0; k < 17; k++) {
    if (lane == 0) red[k][wid] = acc[k];
  }
  __syncthreads();
  if (threadIdx.x < 17) {
    float s = 0.f;
    for (int i = 0; i < nw; i++) s += red[threadIdx.x][i];
    if (threadIdx.x == 16) { if (dbias) dbias[d] = s; }
    else if (threadIdx.x < K) dw[(size_t)d * K + threadIdx.x] = s;
  }
}
