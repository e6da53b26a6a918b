// Selective scan backward, v2 (same semantics and layouts as selective_scan.cu).
// Layout: a thread owns one channel (b, d) over one chunk of T steps of the sequence, with all N <= 16
// states in registers; the 32 lanes of a warp are 32 consecutive channels at the same time steps, so the
// sums over channels that dB/dC need are warp reductions. No warp scans: time runs sequentially inside
// a thread. Three launches:
//   1. summary (only when there are >= 2 chunks): per (channel, chunk, n) the chunk's decay product
//      P = prod a_t, its forward state from zero Sx, and its adjoint carry from zero Sh
//      (Sh = sum_t (a_ts ... a_t) C_t dy_t), stored as summ[b][c][3][16][Dp] (Dp = D rounded up to 32).
//   1b. combine (same condition): per (channel, n) a sequential fold over the chunks turns the summaries
//      into the state entering each chunk (x_start) and the adjoint carry entering it from the right (v_in).
//   2. main: each thread walks its chunk forward from x_start storing the state every S steps (shared
//      memory, KS = T/S checkpoints of 16 floats per thread); then walks the sub-chunks right to left:
//      recompute S steps of states and decays into registers, then the S steps backward. dB/dC of each
//      step are reduce-scattered across the warp (lane j ends with value j: dB n = j, dC n = j - 16) and
//      written as per-warp partials part[b][g][t][32] (g = channel group of 32); dA, dD, ddelta_bias are
//      summed over the block's warps in shared memory and added with one atomic per channel.
//   3. reduce: dB[b][n][t], dC[b][n][t] = sum over g of the partials (no atomics, no zeroing needed).
// Exponentials per (b, d, t, n): 3 with >= 2 chunks (summary, forward walk, recompute), 2 with one chunk.
#include <cuda_runtime.h>
#include <stdint.h>


__device__ __forceinline__ float v2_softplus(float x) { return x <= 20.f ? log1pf(expf(x)) : x; }
__device__ __forceinline__ float v2_sigmoid(float x) { return 1.f / (1.f + expf(-x)); }

// r[s] = p[t + s] for t + s < t1, else fill; one 16-byte load when S == 4 and vec (aligned rows)
template <int S>
__device__ __forceinline__ void v2_load(float (&r)[S], const float *__restrict__ p, int t, int t1, bool vec, float fill) {
  if (S == 4 && vec && t + 4 <= t1) {
    const float4 q = *reinterpret_cast<const float4 *>(p + t);
    r[0] = q.x; r[1] = q.y; r[S > 2 ? 2 : 0] = q.z; r[S > 3 ? 3 : 0] = q.w;
    return;
  }
#pragma unroll
  for (int s = 0; s < S; s++) r[s] = t + s < t1 ? p[t + s] : fill;
}

template <int S>
__device__ __forceinline__ void v2_store(float *__restrict__ p, const float (&r)[S], int t, int t1, bool vec) {
  if (S == 4 && vec && t + 4 <= t1) {
    *reinterpret_cast<float4 *>(p + t) = make_float4(r[0], r[1], r[S > 2 ? 2 : 0], r[S > 3 ? 3 : 0]);
    return;
  }
#pragma unroll
  for (int s = 0; s < S; s++) if (t + s < t1) p[t + s] = r[s];
}

__device__ __forceinline__ bool v2_aligned(const void *p) { return p == nullptr || ((uintptr_t)p & 15) == 0; }

// one level of a warp reduce-scatter: lanes with bit O keep the upper half of vals[0, 2O), the others the
// lower half, each plus the partner's copy of it; the kept half moves to vals[0, O)
// one level of a warp reduce-scatter of 16 values: lanes with bit O keep the upper half of vals[0, 2O), the
// others the lower half, each plus the partner's copy of it; the kept half moves to vals[0, O)
template <int O>
__device__ __forceinline__ void v2_rs_level(float (&vals)[16], int lane) {
  const bool up = lane & O;
#pragma unroll
  for (int i = 0; i < O; i++) {
    const float send = up ? vals[i] : vals[i + O];
    const float keep = up ? vals[i + O] : vals[i];
    vals[i] = keep + __shfl_xor_sync(0xffffffffu, send, O);
  }
}
// sum over the 32 lanes of vals[j], j = lane & 15, returned in lane j and lane j + 16
__device__ __forceinline__ float v2_reduce_scatter16(float (&vals)[16], int lane) {
  v2_rs_level<8>(vals, lane);
  v2_rs_level<4>(vals, lane);
  v2_rs_level<2>(vals, lane);
  v2_rs_level<1>(vals, lane);
  return vals[0] + __shfl_xor_sync(0xffffffffu, vals[0], 16);
}

// Pass 1: chunk summaries. grid (Dp/32, C, Bt), block 32 (one warp: 32 channels, one chunk).
extern "C" __global__ void __launch_bounds__(32, 16) selective_scan_bwd_v2_summary(
    const float *__restrict__ u, const float *__restrict__ delta, const float *__restrict__ A,
    const float *__restrict__ Bm, const float *__restrict__ Cm, const float *__restrict__ z,
    const float *__restrict__ delta_bias, const float *__restrict__ dout, float *__restrict__ summ,
    int Bt, int D, int L, int N, int softplus, int T, int C) {
  const int lane = threadIdx.x, g = blockIdx.x, c = blockIdx.y, b = blockIdx.z;
  const int d = g * 32 + lane, Dp = gridDim.x * 32;
  const bool valid = d < D;
  const int t0 = c * T, t1 = min(L, t0 + T);
  const size_t row = ((size_t)b * D + (valid ? d : 0)) * L;
  const float *Bb = Bm + (size_t)b * N * L, *Cb = Cm + (size_t)b * N * L;
  const float bias = (valid && delta_bias) ? delta_bias[d] : 0.f;
  const bool wantX = c < C - 1, wantH = c > 0;  // warp-uniform
  float An[16], x[16], p[16], sh[16];
#pragma unroll
  for (int n = 0; n < 16; n++) { An[n] = (valid && n < N) ? A[d * N + n] : 0.f; x[n] = 0.f; p[n] = 1.f; sh[n] = 0.f; }
  for (int t = t0; t < t1; t++) {
    float uu = valid ? u[row + t] : 0.f, dl = valid ? delta[row + t] + bias : 0.f;
    const float dt = softplus ? v2_softplus(dl) : dl, dtu = dt * uu;
    float dy = 0.f;
    if (wantH && valid) {
      dy = dout[row + t];
      if (z) { const float zz = z[row + t]; dy *= zz * v2_sigmoid(zz); }
    }
#pragma unroll
    for (int n = 0; n < 16; n++) {
      if (n < N) {
        const float a = __expf(dt * An[n]);
        p[n] *= a;
        if (wantX) x[n] = a * x[n] + dtu * Bb[(size_t)n * L + t];
        if (wantH) sh[n] += p[n] * (Cb[(size_t)n * L + t] * dy);
      }
    }
  }
  float *o = summ + ((size_t)b * C + c) * 3 * 16 * Dp + d;
#pragma unroll
  for (int n = 0; n < 16; n++) {
    o[(size_t)(0 * 16 + n) * Dp] = p[n];
    o[(size_t)(1 * 16 + n) * Dp] = x[n];
    o[(size_t)(2 * 16 + n) * Dp] = sh[n];
  }
}

// Pass 1b: fold the chunk summaries in place: slot 1 of chunk c becomes the state entering chunk c, slot 2
// the adjoint carry entering it from the right. grid (Dp/32, 16, Bt), block 32 (thread = channel, state).
extern "C" __global__ void __launch_bounds__(32) selective_scan_bwd_v2_combine(float *__restrict__ summ, int C) {
  const int Dp = gridDim.x * 32, d = blockIdx.x * 32 + threadIdx.x, n = blockIdx.y, b = blockIdx.z;
  float *s = summ + (size_t)b * C * 3 * 16 * Dp + (size_t)n * Dp + d;
  const size_t cs = (size_t)3 * 16 * Dp, k1 = (size_t)16 * Dp, k2 = (size_t)32 * Dp;
  float x = 0.f;
  for (int c = 0; c < C; c++) { const float nx = s[c * cs] * x + s[c * cs + k1]; s[c * cs + k1] = x; x = nx; }
  float v = 0.f;
  for (int c = C - 1; c >= 0; c--) { const float nv = s[c * cs] * v + s[c * cs + k2]; s[c * cs + k2] = v; v = nv; }
}

// Pass 2. grid (Dp/32, ceil(C / WARPS), Bt), block 32 * WARPS; warp w of block y has chunk y*WARPS + w.
// summ as folded by pass 1b (unused when C == 1). part: [b][g][L][32].
template <int S, int KS, int WARPS>
__device__ __forceinline__ void scan_bwd_v2_body(
    const float *__restrict__ u, const float *__restrict__ delta, const float *__restrict__ A,
    const float *__restrict__ Bm, const float *__restrict__ Cm, const float *__restrict__ Dskip,
    const float *__restrict__ z, const float *__restrict__ delta_bias, const float *__restrict__ dout,
    const float *__restrict__ summ, float *__restrict__ part,
    float *__restrict__ du, float *__restrict__ ddelta, float *__restrict__ dA, float *__restrict__ dD,
    float *__restrict__ dz, float *__restrict__ ddelta_bias, int Bt, int D, int L, int N, int softplus, int C) {
  constexpr int T = S * KS;
  __shared__ float ckpt_s[WARPS][KS][16][32];  // state at each sub-chunk start, per thread
  __shared__ float red[WARPS][18][32];
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  const int g = blockIdx.x, c = blockIdx.y * WARPS + w, b = blockIdx.z;
  const int G = gridDim.x, Dp = G * 32, d = g * 32 + lane;
  const bool valid = d < D, active = c < C;  // inactive warps only join the final barrier
  float dAacc[16], dDacc = 0.f, dbacc = 0.f;
#pragma unroll
  for (int n = 0; n < 16; n++) dAacc[n] = 0.f;
  if (active) {
    const int t0 = c * T, t1 = min(L, t0 + T), K = (t1 - t0 + S - 1) / S;
    const size_t row = ((size_t)b * D + (valid ? d : 0)) * L;
    const float *Bb = Bm + (size_t)b * N * L, *Cb = Cm + (size_t)b * N * L;
    const float bias = (valid && delta_bias) ? delta_bias[d] : 0.f, Dd = (valid && Dskip) ? Dskip[d] : 0.f;
    const bool vec = (L & 3) == 0 && v2_aligned(u) && v2_aligned(delta) && v2_aligned(dout) && v2_aligned(z) &&
                     v2_aligned(du) && v2_aligned(ddelta) && v2_aligned(dz);
    float An[16], x[16], v[16];
#pragma unroll
    for (int n = 0; n < 16; n++) { An[n] = (valid && n < N) ? A[d * N + n] : 0.f; x[n] = 0.f; v[n] = 0.f; }
    if (C > 1) {  // state entering chunk c, adjoint carry entering it from the right (folded by the combine pass)
      const float *sm = summ + ((size_t)b * C + c) * 3 * 16 * Dp + d;
#pragma unroll
      for (int n = 0; n < 16; n++) { x[n] = sm[(size_t)(16 + n) * Dp]; v[n] = sm[(size_t)(32 + n) * Dp]; }
    }
    float *ck = &ckpt_s[w][0][0][lane];
    // forward walk: state at the start of each sub-chunk
    for (int k = 0; k < K; k++) {
#pragma unroll
      for (int n = 0; n < 16; n++) ck[(k * 16 + n) * 32] = x[n];
      if (k == K - 1) break;
      const int t = t0 + k * S;
      float uu[S], dl[S];
      v2_load<S>(uu, u + row, t, t1, vec, 0.f);
      v2_load<S>(dl, delta + row, t, t1, vec, 0.f);
#pragma unroll
      for (int s = 0; s < S; s++) {
        if (!valid) uu[s] = 0.f;
        const float dt = softplus ? v2_softplus(dl[s] + bias) : dl[s] + bias, dtu = dt * uu[s];
#pragma unroll
        for (int n = 0; n < 16; n++)
          if (n < N) x[n] = __expf(dt * An[n]) * x[n] + dtu * Bb[(size_t)n * L + t + s];
      }
    }
    // backward over sub-chunks, right to left
    for (int k = K - 1; k >= 0; k--) {
      const int t = t0 + k * S;
      float uu[S], dl[S], dt[S], dy[S], dout_[S], zz[S];
      float xs[S][16], as[S][16];
      v2_load<S>(uu, u + row, t, t1, vec, 0.f);
      v2_load<S>(dl, delta + row, t, t1, vec, 0.f);
      v2_load<S>(dout_, dout + row, t, t1, vec, 0.f);
      if (z) v2_load<S>(zz, z + row, t, t1, vec, 0.f);
#pragma unroll
      for (int s = 0; s < S; s++) {
        dl[s] += bias;
        dt[s] = softplus ? v2_softplus(dl[s]) : dl[s];
        if (!valid || t + s >= t1) { dt[s] = 0.f; uu[s] = 0.f; dout_[s] = 0.f; }  // a = 1, no input, no gradient
        dy[s] = z ? dout_[s] * zz[s] * v2_sigmoid(zz[s]) : dout_[s];
      }
#pragma unroll
      for (int n = 0; n < 16; n++) x[n] = ck[(k * 16 + n) * 32];
#pragma unroll
      for (int s = 0; s < S; s++) {
        const float dtu = dt[s] * uu[s];
#pragma unroll
        for (int n = 0; n < 16; n++) {
          const float bb = (n < N && t + s < t1) ? Bb[(size_t)n * L + t + s] : 0.f;
          as[s][n] = __expf(dt[s] * An[n]);
          x[n] = as[s][n] * x[n] + dtu * bb;
          xs[s][n] = x[n];
        }
      }
      float o_du[S], o_dd[S], o_dz[S];
#pragma unroll
      for (int s = S - 1; s >= 0; s--) {
        const bool inb = t + s < t1;  // warp-uniform
        float vals[16];
        float y = Dd * uu[s], hb = 0.f, qa = 0.f;
        const float dtu = dt[s] * uu[s];
#pragma unroll
        for (int n = 0; n < 16; n++) {
          float bb = 0.f, cc = 0.f;
          if (n < N && inb) { bb = Bb[(size_t)n * L + t + s]; cc = Cb[(size_t)n * L + t + s]; }
          const float xp = s > 0 ? xs[s > 0 ? s - 1 : 0][n] : ck[(k * 16 + n) * 32];
          const float h = cc * dy[s] + v[n];
          y += cc * xs[s][n];
          hb += h * bb;
          const float q = h * as[s][n] * xp;
          dAacc[n] += dt[s] * q;
          qa += An[n] * q;
          vals[n] = h * dtu;
          v[n] = as[s][n] * h;
        }
        const float sB = v2_reduce_scatter16(vals, lane);  // dB[n = lane & 15] of this step, summed over the warp
#pragma unroll
        for (int n = 0; n < 16; n++) vals[n] = dy[s] * xs[s][n];
        const float sC = v2_reduce_scatter16(vals, lane);
        if (inb) part[(((size_t)b * G + g) * L + t + s) * 32 + lane] = lane < 16 ? sB : sC;
        float gdt = uu[s] * hb + qa;
        if (softplus) gdt *= v2_sigmoid(dl[s]);
        o_du[s] = dt[s] * hb + Dd * dy[s];
        o_dd[s] = gdt;
        o_dz[s] = 0.f;
        if (z) { const float sg = v2_sigmoid(zz[s]); o_dz[s] = dout_[s] * y * sg * (1.f + zz[s] * (1.f - sg)); }
        if (valid && inb) { dDacc += dy[s] * uu[s]; dbacc += gdt; }
      }
      if (valid) {
        v2_store<S>(du + row, o_du, t, t1, vec);
        v2_store<S>(ddelta + row, o_dd, t, t1, vec);
        if (z) v2_store<S>(dz + row, o_dz, t, t1, vec);
      }
    }
  }
  // dA, dD, ddelta_bias: sum the block's chunk-warps, one atomic per channel
#pragma unroll
  for (int n = 0; n < 16; n++) red[w][n][lane] = dAacc[n];
  red[w][16][lane] = dDacc;
  red[w][17][lane] = dbacc;
  __syncthreads();
  if (w == 0 && valid) {
    for (int j = 0; j < 18; j++) {
      float s = 0.f;
#pragma unroll
      for (int q = 0; q < WARPS; q++) s += red[q][j][lane];
      if (j < N) atomicAdd(dA + d * N + j, s);
      else if (j == 16 && dD) atomicAdd(dD + d, s);
      else if (j == 17 && ddelta_bias) atomicAdd(ddelta_bias + d, s);
    }
  }
}

#define V2_MAIN(S, KS, WARPS)                                                                                 \
  extern "C" __global__ void __launch_bounds__(32 * WARPS) selective_scan_bwd_v2_main_s##S##_t##KS##_w##WARPS( \
      const float *u, const float *delta, const float *A, const float *Bm, const float *Cm, const float *Dskip, \
      const float *z, const float *delta_bias, const float *dout, const float *summ, float *part,             \
      float *du, float *ddelta, float *dA, float *dD, float *dz, float *ddelta_bias, int Bt, int D, int L, int N, \
      int softplus, int C) {                                                                                   \
    scan_bwd_v2_body<S, KS, WARPS>(u, delta, A, Bm, Cm, Dskip, z, delta_bias, dout, summ, part, du, ddelta, dA, \
                                   dD, dz, ddelta_bias, Bt, D, L, N, softplus, C);                             \
  }
// chunk length T = S * KS; shared memory for the checkpoints: WARPS * KS * 2 KiB (32 KiB each here)
V2_MAIN(4, 8, 2)   // T = 32
V2_MAIN(4, 16, 1)  // T = 64
V2_MAIN(2, 8, 2)   // T = 16
V2_MAIN(2, 16, 1)  // T = 32

// Pass 3: dB[b][n][t] = sum_g part[b][g][t][n], dC[b][n][t] = sum_g part[b][g][t][16 + n].
// grid (ceil(L/32), Bt), block 256: a 32-step tile, transposed through shared memory.
extern "C" __global__ void __launch_bounds__(256) selective_scan_bwd_v2_reduce(
    const float *__restrict__ part, float *__restrict__ dB, float *__restrict__ dC, int G, int L, int N) {
  __shared__ float tile[32][33];
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5, b = blockIdx.y, tb = blockIdx.x * 32;
  for (int tt = w; tt < 32; tt += 8) {
    const int t = tb + tt;
    float s = 0.f;
    if (t < L)
      for (int g = 0; g < G; g++) s += part[(((size_t)b * G + g) * L + t) * 32 + lane];
    tile[lane][tt] = s;
  }
  __syncthreads();
  const int t = tb + lane;
  for (int j = w; j < 32; j += 8) {
    const int n = j & 15;
    if (n < N && t < L) (j < 16 ? dB : dC)[((size_t)b * N + n) * L + t] = tile[j][lane];
  }
}
