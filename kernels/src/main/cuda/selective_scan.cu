// Mamba selective scan (mamba-ssm selective_scan_fn semantics, real A, variable B/C with one group).
//   u, delta, z, out: [Bt, D, L]   A: [D, N]   Bm, Cm: [Bt, N, L]   Dskip, delta_bias: [D]
//   dt = softplus(delta + delta_bias) (or without softplus), x_l = exp(dt*A) x_{l-1} + dt*B_l*u_l,
//   y_l = sum_n x_l C_l + D u_l, out = y * silu(z).
// Layout: one warp per channel (b, d), WARPS channels of one batch row per block. The sequence is
// cut into segments of 32*K steps; lane t owns K consecutive steps of a segment. For each state n
// the lanes combine their K-step affine maps x -> P x + S with a warp scan (shuffles), so states
// never leave registers/shuffles; the state carried between segments lives in shared memory.
// Backward recomputes the forward states (no stored history): a first sweep stores only the state
// at each segment start (scratch [Bt, D, nseg, N]), then segments are walked right to left with
// a reverse warp scan for the adjoint h_l = C_l dy_l + a_{l+1} h_{l+1}.
#include <cuda_runtime.h>

#define WARPS 4      // forward: channels (warps) per block
#define BWD_WARPS 8  // backward
#define MAXN 16

__device__ __forceinline__ float softplusf(float x) { return x <= 20.f ? log1pf(expf(x)) : x; }
__device__ __forceinline__ float sigmoidf_(float x) { return 1.f / (1.f + expf(-x)); }

// inclusive scan of affine maps left to right: (P1,S1) then (P2,S2) = (P1 P2, P2 S1 + S2)
__device__ __forceinline__ void warp_scan_fwd(float &P, float &S, int lane) {
#pragma unroll
  for (int off = 1; off < 32; off <<= 1) {
    float Po = __shfl_up_sync(0xffffffffu, P, off);
    float So = __shfl_up_sync(0xffffffffu, S, off);
    if (lane >= off) { S = P * So + S; P = P * Po; }
  }
}
// inclusive suffix composition: F_t = f_t o f_{t+1} o ... o f_31, f(v) = P v + S
__device__ __forceinline__ void warp_scan_rev(float &P, float &S, int lane) {
#pragma unroll
  for (int off = 1; off < 32; off <<= 1) {
    float Po = __shfl_down_sync(0xffffffffu, P, off);
    float So = __shfl_down_sync(0xffffffffu, S, off);
    if (lane + off < 32) { S = P * So + S; P = P * Po; }
  }
}

template <int K>
__device__ __forceinline__ void load_k(float (&r)[K], const float *p, int l0, int L, float fill) {
#pragma unroll
  for (int i = 0; i < K; i++) r[i] = (l0 + i < L) ? p[l0 + i] : fill;
}

template <int K>
__device__ __forceinline__ void compute_dt(float (&dt)[K], const float (&dl)[K], float bias, int softplus) {
#pragma unroll
  for (int i = 0; i < K; i++) { float v = dl[i] + bias; dt[i] = softplus ? softplusf(v) : v; }
}

template <int K>
__device__ __forceinline__ void scan_fwd_body(const float *__restrict__ u, const float *__restrict__ delta, const float *__restrict__ A,
           const float *__restrict__ Bm, const float *__restrict__ Cm, const float *__restrict__ Dskip,
           const float *__restrict__ z, const float *__restrict__ delta_bias, float *__restrict__ out,
           float *__restrict__ last_state, int Bt, int D, int L, int N, int softplus) {
  __shared__ float carry[WARPS][MAXN];
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  const int b = blockIdx.y, d = blockIdx.x * WARPS + w;
  if (d >= D) return;  // whole warp leaves; no block-wide barriers below
  const size_t row = ((size_t)b * D + d) * L;
  const float *Bb = Bm + (size_t)b * N * L, *Cb = Cm + (size_t)b * N * L;
  const float bias = delta_bias ? delta_bias[d] : 0.f, Dd = Dskip ? Dskip[d] : 0.f;
  for (int n = lane; n < N; n += 32) carry[w][n] = 0.f;
  __syncwarp();
  for (int base = 0; base < L; base += 32 * K) {
    const int l0 = base + lane * K;
    float uu[K], dt[K], y[K];
    load_k<K>(uu, u + row, l0, L, 0.f);
    load_k<K>(dt, delta + row, l0, L, 0.f);
    compute_dt<K>(dt, dt, bias, softplus);
#pragma unroll
    for (int i = 0; i < K; i++) y[i] = Dd * uu[i];
    for (int n = 0; n < N; n++) {
      const float An = A[d * N + n];
      float bb[K], cc[K], a[K];
      load_k<K>(bb, Bb + (size_t)n * L, l0, L, 0.f);
      load_k<K>(cc, Cb + (size_t)n * L, l0, L, 0.f);
      float P = 1.f, S = 0.f;
#pragma unroll
      for (int i = 0; i < K; i++) {
        a[i] = (l0 + i < L) ? __expf(dt[i] * An) : 1.f;
        bb[i] *= dt[i] * uu[i];
        S = a[i] * S + bb[i];
        P *= a[i];
      }
      warp_scan_fwd(P, S, lane);
      const float c0 = carry[w][n];
      float Pe = __shfl_up_sync(0xffffffffu, P, 1), Se = __shfl_up_sync(0xffffffffu, S, 1);
      if (lane == 0) { Pe = 1.f; Se = 0.f; }
      float x = Pe * c0 + Se;
#pragma unroll
      for (int i = 0; i < K; i++) { x = a[i] * x + bb[i]; y[i] += x * cc[i]; }
      const float end = __shfl_sync(0xffffffffu, P * c0 + S, 31);
      __syncwarp();
      if (lane == 0) carry[w][n] = end;
      __syncwarp();
    }
#pragma unroll
    for (int i = 0; i < K; i++) {
      if (l0 + i < L) {
        float o = y[i];
        if (z) { float zz = z[row + l0 + i]; o *= zz * sigmoidf_(zz); }
        out[row + l0 + i] = o;
      }
    }
  }
  if (last_state)
    for (int n = lane; n < N; n += 32) last_state[((size_t)b * D + d) * N + n] = carry[w][n];
}

// Forward, register variant: the loop over the N ≤ 16 states is unrolled and the carried state of
// every n stays in a register (no shared memory), so the warp scans of different n are independent
// instruction streams the scheduler can overlap. Same results as scan_fwd_body.
template <int K>
__device__ __forceinline__ void scan_fwd_reg_body(const float *__restrict__ u, const float *__restrict__ delta, const float *__restrict__ A,
           const float *__restrict__ Bm, const float *__restrict__ Cm, const float *__restrict__ Dskip,
           const float *__restrict__ z, const float *__restrict__ delta_bias, float *__restrict__ out,
           float *__restrict__ last_state, int Bt, int D, int L, int N, int softplus) {
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  const int b = blockIdx.y, d = blockIdx.x * WARPS + w;
  if (d >= D) return;
  const size_t row = ((size_t)b * D + d) * L;
  const float *Bb = Bm + (size_t)b * N * L, *Cb = Cm + (size_t)b * N * L;
  const float bias = delta_bias ? delta_bias[d] : 0.f, Dd = Dskip ? Dskip[d] : 0.f;
  float carry[MAXN], An[MAXN];
#pragma unroll
  for (int n = 0; n < MAXN; n++) { carry[n] = 0.f; An[n] = n < N ? A[d * N + n] : 0.f; }
  for (int base = 0; base < L; base += 32 * K) {
    const int l0 = base + lane * K;
    float uu[K], dt[K], y[K];
    load_k<K>(uu, u + row, l0, L, 0.f);
    load_k<K>(dt, delta + row, l0, L, 0.f);
    compute_dt<K>(dt, dt, bias, softplus);
#pragma unroll
    for (int i = 0; i < K; i++) { y[i] = Dd * uu[i]; uu[i] *= dt[i]; }  // uu now dt*u
#pragma unroll
    for (int n = 0; n < MAXN; n++) {
      if (n < N) {
        float bb[K], cc[K], a[K];
        load_k<K>(bb, Bb + (size_t)n * L, l0, L, 0.f);
        load_k<K>(cc, Cb + (size_t)n * L, l0, L, 0.f);
        float P = 1.f, S = 0.f;
#pragma unroll
        for (int i = 0; i < K; i++) {
          a[i] = (l0 + i < L) ? __expf(dt[i] * An[n]) : 1.f;
          bb[i] *= uu[i];
          S = a[i] * S + bb[i];
          P *= a[i];
        }
        warp_scan_fwd(P, S, lane);
        float Pe = __shfl_up_sync(0xffffffffu, P, 1), Se = __shfl_up_sync(0xffffffffu, S, 1);
        if (lane == 0) { Pe = 1.f; Se = 0.f; }
        float x = Pe * carry[n] + Se;
#pragma unroll
        for (int i = 0; i < K; i++) { x = a[i] * x + bb[i]; y[i] += x * cc[i]; }
        carry[n] = __shfl_sync(0xffffffffu, P * carry[n] + S, 31);
      }
    }
#pragma unroll
    for (int i = 0; i < K; i++) {
      if (l0 + i < L) {
        float o = y[i];
        if (z) { float zz = z[row + l0 + i]; o *= zz * sigmoidf_(zz); }
        out[row + l0 + i] = o;
      }
    }
  }
  if (last_state && lane == 0) {
#pragma unroll
    for (int n = 0; n < MAXN; n++) if (n < N) last_state[((size_t)b * D + d) * N + n] = carry[n];
  }
}

// dB, dC are accumulated (atomicAdd) and must be zeroed by the caller; dA, dD, ddelta_bias too.
// BWD_WARPS channels of one batch row per block. dB/dC (sums over channels) are reduced by MODE:
//   0: every warp adds straight to global memory (atomics);
//   1: the warps add into a shared [N][32K] tile (shared atomics; padded rows lane*(K+1)+i), flushed to
//      global memory once per segment: BWD_WARPS times fewer global atomics;
//   2: per state n each warp stores its slice to shared memory, a barrier, and the block sums the
//      BWD_WARPS slices with plain loads: no shared atomics, 2 barriers per n and segment.
template <int K, int MODE>
__device__ __forceinline__ void scan_bwd_body(const float *__restrict__ u, const float *__restrict__ delta, const float *__restrict__ A,
           const float *__restrict__ Bm, const float *__restrict__ Cm, const float *__restrict__ Dskip,
           const float *__restrict__ z, const float *__restrict__ delta_bias, const float *__restrict__ dout,
           float *__restrict__ scratch, float *__restrict__ du, float *__restrict__ ddelta,
           float *__restrict__ dA, float *__restrict__ dB, float *__restrict__ dC, float *__restrict__ dD,
           float *__restrict__ dz, float *__restrict__ ddelta_bias, int Bt, int D, int L, int N, int softplus) {
  constexpr int ROW = 32 * (K + 1);
  constexpr bool SMEM = MODE == 1, WRED = MODE == 2;
  __shared__ float carry[BWD_WARPS][MAXN];
  __shared__ float dAs[BWD_WARPS][MAXN];
  __shared__ float sdB[SMEM ? MAXN : 1][SMEM ? ROW : 1];
  __shared__ float sdC[SMEM ? MAXN : 1][SMEM ? ROW : 1];
  __shared__ float wB[WRED ? BWD_WARPS : 1][WRED ? ROW : 1];
  __shared__ float wC[WRED ? BWD_WARPS : 1][WRED ? ROW : 1];
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  const int b = blockIdx.y, d = blockIdx.x * BWD_WARPS + w;
  const bool valid = d < D;  // invalid warps only take part in the block barriers
  if (MODE == 0 && !valid) return;
  const size_t row = ((size_t)b * D + d) * L;
  const float *Bb = Bm + (size_t)b * N * L, *Cb = Cm + (size_t)b * N * L;
  float *dBb = dB + (size_t)b * N * L, *dCb = dC + (size_t)b * N * L;
  const float bias = (valid && delta_bias) ? delta_bias[d] : 0.f, Dd = (valid && Dskip) ? Dskip[d] : 0.f;
  const int nseg = (L + 32 * K - 1) / (32 * K);
  float *scr = scratch + ((size_t)b * D + d) * (size_t)nseg * N;
  for (int n = lane; n < N; n += 32) { carry[w][n] = 0.f; dAs[w][n] = 0.f; }
  if (SMEM) {
    for (int i = threadIdx.x; i < MAXN * ROW; i += blockDim.x) { (&sdB[0][0])[i] = 0.f; (&sdC[0][0])[i] = 0.f; }
    __syncthreads();
  }
  __syncwarp();
  // sweep 1: state at the start of every segment (scr[s], s >= 1)
  if (valid) {
    for (int s = 0; s + 1 < nseg; s++) {
      const int l0 = s * 32 * K + lane * K;
      float uu[K], dt[K];
      load_k<K>(uu, u + row, l0, L, 0.f);
      load_k<K>(dt, delta + row, l0, L, 0.f);
      compute_dt<K>(dt, dt, bias, softplus);
      for (int n = 0; n < N; n++) {
        const float An = A[d * N + n];
        float bb[K];
        load_k<K>(bb, Bb + (size_t)n * L, l0, L, 0.f);
        float P = 1.f, S = 0.f;
#pragma unroll
        for (int i = 0; i < K; i++) {
          float a = (l0 + i < L) ? __expf(dt[i] * An) : 1.f;
          S = a * S + bb[i] * dt[i] * uu[i];
          P *= a;
        }
        warp_scan_fwd(P, S, lane);
        const float c0 = carry[w][n];
        const float end = __shfl_sync(0xffffffffu, P * c0 + S, 31);
        __syncwarp();
        if (lane == 0) { scr[(size_t)(s + 1) * N + n] = end; carry[w][n] = end; }
        __syncwarp();
      }
    }
  }
  for (int n = lane; n < N; n += 32) carry[w][n] = 0.f;  // now: adjoint carry a_e h_e from the right
  __syncwarp();
  float dDacc = 0.f, dbacc = 0.f;
  const int nvalid = min(BWD_WARPS, D - (int)blockIdx.x * BWD_WARPS);
  for (int s = nseg - 1; s >= 0; s--) {
    const int l0 = s * 32 * K + lane * K;
    float uu[K], dl[K], dt[K], dy[K], y[K], duu[K], ddt[K];
    if (valid) {
      load_k<K>(uu, u + row, l0, L, 0.f);
      load_k<K>(dl, delta + row, l0, L, 0.f);
      compute_dt<K>(dt, dl, bias, softplus);
      load_k<K>(dy, dout + row, l0, L, 0.f);
      if (z) {
#pragma unroll
        for (int i = 0; i < K; i++) {
          float zz = (l0 + i < L) ? z[row + l0 + i] : 0.f;
          dy[i] *= zz * sigmoidf_(zz);
        }
      }
#pragma unroll
      for (int i = 0; i < K; i++) { y[i] = Dd * uu[i]; duu[i] = Dd * dy[i]; ddt[i] = 0.f; }
    }
    for (int n = 0; n < N; n++) {
      if (valid) {
        const float An = A[d * N + n];
        float bb[K], cc[K], a[K], xs[K];
        load_k<K>(bb, Bb + (size_t)n * L, l0, L, 0.f);
        load_k<K>(cc, Cb + (size_t)n * L, l0, L, 0.f);
        // forward states inside the segment
        float P = 1.f, S = 0.f;
#pragma unroll
        for (int i = 0; i < K; i++) {
          a[i] = (l0 + i < L) ? __expf(dt[i] * An) : 1.f;
          S = a[i] * S + bb[i] * dt[i] * uu[i];
          P *= a[i];
        }
        warp_scan_fwd(P, S, lane);
        const float c0 = s == 0 ? 0.f : scr[(size_t)s * N + n];
        float Pe = __shfl_up_sync(0xffffffffu, P, 1), Se = __shfl_up_sync(0xffffffffu, S, 1);
        if (lane == 0) { Pe = 1.f; Se = 0.f; }
        const float xstart = Pe * c0 + Se;
        float x = xstart;
#pragma unroll
        for (int i = 0; i < K; i++) { x = a[i] * x + bb[i] * dt[i] * uu[i]; xs[i] = x; y[i] += x * cc[i]; }
        // adjoint: lane map v -> P v + S over its K steps, right to left
        P = 1.f; S = 0.f;
#pragma unroll
        for (int i = K - 1; i >= 0; i--) { S = a[i] * (S + cc[i] * dy[i]); P *= a[i]; }
        warp_scan_rev(P, S, lane);
        const float vin = carry[w][n];
        float Pn = __shfl_down_sync(0xffffffffu, P, 1), Sn = __shfl_down_sync(0xffffffffu, S, 1);
        if (lane == 31) { Pn = 1.f; Sn = 0.f; }
        float v = Pn * vin + Sn;
        const float left = __shfl_sync(0xffffffffu, P * vin + S, 0);
        float dAacc = 0.f;
#pragma unroll
        for (int i = K - 1; i >= 0; i--) {
          const float h = cc[i] * dy[i] + v;
          const float xp = i > 0 ? xs[i - 1] : xstart;
          v = a[i] * h;
          duu[i] += h * dt[i] * bb[i];
          ddt[i] += h * (bb[i] * uu[i] + An * a[i] * xp);
          dAacc += h * dt[i] * a[i] * xp;
          if (MODE == 1) {
            atomicAdd(&sdB[n][lane * (K + 1) + i], h * dt[i] * uu[i]);
            atomicAdd(&sdC[n][lane * (K + 1) + i], dy[i] * xs[i]);
          } else if (MODE == 2) {
            wB[w][lane * (K + 1) + i] = h * dt[i] * uu[i];
            wC[w][lane * (K + 1) + i] = dy[i] * xs[i];
          } else if (l0 + i < L) {
            atomicAdd(dBb + (size_t)n * L + l0 + i, h * dt[i] * uu[i]);
            atomicAdd(dCb + (size_t)n * L + l0 + i, dy[i] * xs[i]);
          }
        }
#pragma unroll
        for (int off = 16; off > 0; off >>= 1) dAacc += __shfl_xor_sync(0xffffffffu, dAacc, off);
        __syncwarp();
        if (lane == 0) { carry[w][n] = left; dAs[w][n] += dAacc; }
        __syncwarp();
      }
      if (MODE == 2) {  // sum this n's dB/dC over the block's channels, one global atomic per position
        __syncthreads();
        const int seg0 = s * 32 * K;
        for (int j = threadIdx.x; j < 2 * 32 * K; j += blockDim.x) {
          const int p = j % (32 * K), si = (p / K) * (K + 1) + p % K;
          float acc = 0.f;
          if (j < 32 * K) { for (int q = 0; q < nvalid; q++) acc += wB[q][si]; }
          else { for (int q = 0; q < nvalid; q++) acc += wC[q][si]; }
          if (seg0 + p < L) atomicAdd((j < 32 * K ? dBb : dCb) + (size_t)n * L + seg0 + p, acc);
        }
        __syncthreads();
      }
    }
    if (valid) {
#pragma unroll
      for (int i = 0; i < K; i++) {
        if (l0 + i >= L) continue;
        const size_t idx = row + l0 + i;
        if (z) {
          const float zz = z[idx], sg = sigmoidf_(zz);
          dz[idx] = dout[idx] * y[i] * sg * (1.f + zz * (1.f - sg));
        }
        dDacc += dy[i] * uu[i];
        float g = ddt[i];
        if (softplus) g *= sigmoidf_(dl[i] + bias);
        dbacc += g;
        du[idx] = duu[i];
        ddelta[idx] = g;
      }
    }
    if (MODE == 1) {  // the block's dB/dC of this segment to global memory, then clear
      __syncthreads();
      const int seg0 = s * 32 * K;
      for (int j = threadIdx.x; j < N * 32 * K; j += blockDim.x) {
        const int n = j / (32 * K), p = j % (32 * K), si = (p / K) * (K + 1) + p % K;
        if (seg0 + p < L) {
          atomicAdd(dBb + (size_t)n * L + seg0 + p, sdB[n][si]);
          atomicAdd(dCb + (size_t)n * L + seg0 + p, sdC[n][si]);
        }
        sdB[n][si] = 0.f;
        sdC[n][si] = 0.f;
      }
      __syncthreads();
    }
  }
  if (!valid) return;
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) {
    dDacc += __shfl_xor_sync(0xffffffffu, dDacc, off);
    dbacc += __shfl_xor_sync(0xffffffffu, dbacc, off);
  }
  __syncwarp();
  for (int n = lane; n < N; n += 32) atomicAdd(dA + d * N + n, dAs[w][n]);
  if (lane == 0) {
    if (dD) atomicAdd(dD + d, dDacc);
    if (ddelta_bias) atomicAdd(ddelta_bias + d, dbacc);
  }
}

#define SCAN_ARGS const float *u, const float *delta, const float *A, const float *Bm, const float *Cm, \
    const float *Dskip, const float *z, const float *delta_bias
#define BWD(K, SUFFIX, MODE)                                                                           \
  extern "C" __global__ void __launch_bounds__(BWD_WARPS * 32) selective_scan_bwd##SUFFIX##_k##K(         \
      SCAN_ARGS, const float *dout, float *scratch, float *du, float *ddelta, float *dA, float *dB,  \
      float *dC, float *dD, float *dz, float *ddelta_bias, int Bt, int D, int L, int N, int softplus) { \
    scan_bwd_body<K, MODE>(u, delta, A, Bm, Cm, Dskip, z, delta_bias, dout, scratch, du, ddelta, dA, dB, dC, \
                     dD, dz, ddelta_bias, Bt, D, L, N, softplus);                                     \
  }
#define INST(K)                                                                                        \
  extern "C" __global__ void __launch_bounds__(WARPS * 32) selective_scan_fwd_k##K(                   \
      SCAN_ARGS, float *out, float *last_state, int Bt, int D, int L, int N, int softplus) {         \
    scan_fwd_body<K>(u, delta, A, Bm, Cm, Dskip, z, delta_bias, out, last_state, Bt, D, L, N, softplus); \
  }                                                                                                   \
  BWD(K, , (K <= 8 ? 1 : 0))                                                                          \
  BWD(K, _wred, 2)
#define INST_REG(K)                                                                                    \
  extern "C" __global__ void __launch_bounds__(WARPS * 32) selective_scan_fwd_reg_k##K(               \
      SCAN_ARGS, float *out, float *last_state, int Bt, int D, int L, int N, int softplus) {         \
    scan_fwd_reg_body<K>(u, delta, A, Bm, Cm, Dskip, z, delta_bias, out, last_state, Bt, D, L, N, softplus); \
  }
INST(2)
INST(4)
INST(8)
INST(16)
INST_REG(2)
INST_REG(4)
INST_REG(8)
