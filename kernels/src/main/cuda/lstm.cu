// Bidirectional LSTM (torch.nn.LSTM, gates i, f, g, o; pack_padded_sequence semantics) for H = 256.
//
// Forward: the input projections of every step are one FP32 GEMM per direction (lstm_sgemm); then
// lstm_fwd_rec runs the recurrence. Each direction is a thread-block cluster of 8 blocks; block p owns
// hidden units [32p, 32p + 32), i.e. 128 of the 4H gate rows of W_hh, held in registers for the whole
// sequence (64 floats per thread, 512 threads). Per step each block computes its 128 gate rows for all
// batch items of its chunk, updates its 32 cells, and writes the new h slice into the shared memory of
// all 8 blocks of the cluster (distributed shared memory), then one cluster barrier. h is double-
// buffered, so one barrier per step suffices.
//
// Backward: lstm_bwd_rec walks the steps in reverse; block p computes the gate gradients of its units
// and the partial dh_prev = da[:, its rows] · W_hh[its rows, :] over all 256 hidden units, and scatters
// each 32-unit slice of that partial to the block owning it (reduce-scatter through distributed shared
// memory, double-buffered, one cluster barrier per step). dW_ih, dW_hh, dx and the bias gradients are
// GEMMs / column sums over the stored gate gradients afterwards.
//
// Layouts: xg, gates, da [ndir, B*T, 4H] (row = b*T + t, column = gate*H + unit); cell, hprev
// [ndir, B*T, H]; y and dy [B, T, ndir*H]. Rows past an item's length are left untouched (the host
// zeroes y, da and hprev). Batch items are split into chunks of 16 along gridDim.y.
#include <cuda_runtime.h>
#include <cooperative_groups.h>
namespace cg = cooperative_groups;

#define HID 256
#define NBLK 8            // blocks per direction (cluster size)
#define UNITS 32          // HID / NBLK hidden units per block
#define ROWS 128          // 4 * UNITS gate rows per block
#define BCH 16            // batch items per chunk
#define NTHR 512

// The recurrences need thread-block clusters (sm_90); the sm_80 PTX carries only the GEMM and column sums.
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
__device__ __forceinline__ float sigmoidf_(float x) { return 1.f / (1.f + expf(-x)); }

// Four partial sums a[0..3] per lane, over a group of lanes whose index bits (part) below 2 * half vary:
// afterwards lane part holds in a[0] the group's full sum of value number (part & half ? 2 : 0) + (part &
// half / 2 ? 1 : 0), returned. Halving exchanges (2 + 1 shuffles), then plain butterflies below half / 2.
__device__ __forceinline__ int reduce_scatter4(float a[4], int part, int half) {
  const bool hi = part & half, hi2 = part & (half >> 1);
  const float y0 = __shfl_xor_sync(0xffffffffu, hi ? a[0] : a[2], half);
  const float y1 = __shfl_xor_sync(0xffffffffu, hi ? a[1] : a[3], half);
  const float k0 = (hi ? a[2] : a[0]) + y0, k1 = (hi ? a[3] : a[1]) + y1;
  float v = (hi2 ? k1 : k0) + __shfl_xor_sync(0xffffffffu, hi2 ? k0 : k1, half >> 1);
  for (int m = half >> 2; m > 0; m >>= 1) v += __shfl_xor_sync(0xffffffffu, v, m);
  a[0] = v;
  return (hi ? 2 : 0) + (hi2 ? 1 : 0);
}

// global gate row of local row lr (gate lr / 32, unit lr % 32) in block p
__device__ __forceinline__ int gate_row(int lr, int p) { return (lr >> 5) * HID + p * UNITS + (lr & 31); }

template <int V>
__device__ __forceinline__ void fwd_body(const float *__restrict__ xg, const float *__restrict__ whh0, const float *__restrict__ whh1,
             const float *__restrict__ bih0, const float *__restrict__ bhh0,
             const float *__restrict__ bih1, const float *__restrict__ bhh1,
             const float *__restrict__ lensf, float *__restrict__ y, float *__restrict__ gates,
             float *__restrict__ cell, float *__restrict__ hprev, int B, int T, int ndir, int maxLen) {
  cg::cluster_group cluster = cg::this_cluster();
  __shared__ __align__(16) float hs[2][BCH][HID];
  __shared__ float gs[BCH][ROWS];
  __shared__ int lens_s[BCH];
  const int p = (int)cluster.block_rank();
  const int dir = blockIdx.x / NBLK;
  const int b0 = blockIdx.y * BCH;
  const int nb = min(BCH, B - b0);
  const int tid = threadIdx.x;
  const float *W = dir ? whh1 : whh0;
  const float *bi = dir ? bih1 : bih0, *bh = dir ? bhh1 : bhh0;
  const size_t BT = (size_t)B * T;
  const int G4 = 4 * HID, YW = ndir * HID;

  // V1 matrix-vector role: local row lr, k-quarter kq; holds W[row][16 * i + 4 * kq + e], i < 16, e < 4.
  // V2: rows 4 rq + r (r < 4), k part kp of 16; holds W[row][4 (kp + 16 i) + e], i < 4, e < 4, so each
  // h value read from shared memory feeds 4 FMAs (V1: 1); the 16 partial sums reduce by shuffles.
  const int lr = tid >> 2, kq = tid & 3;
  const int rq = tid >> 4, kp = tid & 15;
  float w[64];
  if constexpr (V == 1) {
    const float4 *wr = reinterpret_cast<const float4 *>(W + (size_t)gate_row(lr, p) * HID);
#pragma unroll
    for (int i = 0; i < 16; i++) {
      float4 v = wr[kq + 4 * i];
      w[4 * i] = v.x; w[4 * i + 1] = v.y; w[4 * i + 2] = v.z; w[4 * i + 3] = v.w;
    }
  } else {
#pragma unroll
    for (int r = 0; r < 4; r++) {
      const float4 *wr = reinterpret_cast<const float4 *>(W + (size_t)gate_row(4 * rq + r, p) * HID);
#pragma unroll
      for (int i = 0; i < 4; i++) {
        float4 v = wr[kp + 16 * i];
        w[16 * r + 4 * i] = v.x; w[16 * r + 4 * i + 1] = v.y; w[16 * r + 4 * i + 2] = v.z; w[16 * r + 4 * i + 3] = v.w;
      }
    }
  }
  // cell role: batch item cb of the chunk, unit cj of this block
  const int cb = tid >> 5, cj = tid & 31, unit = p * UNITS + cj;
  const int len = cb < nb ? (int)lensf[b0 + cb] : 0;
  float bias[4];
#pragma unroll
  for (int g = 0; g < 4; g++) bias[g] = (bi ? bi[g * HID + unit] : 0.f) + (bh ? bh[g * HID + unit] : 0.f);
  for (int i = tid; i < BCH * HID; i += NTHR) hs[0][i / HID][i % HID] = 0.f;
  if (tid < BCH) lens_s[tid] = tid < nb ? (int)lensf[b0 + tid] : 0;
  float c = 0.f, h = 0.f;
  // the input projections of the cell's next step are loaded one step ahead (in flight during a step)
  float xv[4] = {0.f, 0.f, 0.f, 0.f};
  auto fetch = [&](int s) {
    if (s < len) {
      const size_t r = (size_t)dir * BT + (size_t)(b0 + cb) * T + (dir ? len - 1 - s : s);
#pragma unroll
      for (int g = 0; g < 4; g++) xv[g] = xg[r * G4 + g * HID + unit];
    }
  };
  fetch(0);
  cluster.sync();  // every block of the cluster is running and has zeroed its h buffer

  for (int s = 0; s < maxLen; s++) {
    const int cur = s & 1;
    const bool act = s < len;
    const int tt = dir ? len - 1 - s : s;
    const size_t row = (size_t)dir * BT + (size_t)(b0 + cb) * T + tt;
    const float x0 = xv[0], x1 = xv[1], x2 = xv[2], x3 = xv[3];
    fetch(s + 1);
    for (int b = 0; b < nb; b++) {
      if (s >= lens_s[b]) continue;  // uniform over the block
      const float4 *hv = reinterpret_cast<const float4 *>(hs[cur][b]);
      if constexpr (V == 1) {
        float a0 = 0.f, a1 = 0.f;
#pragma unroll
        for (int i = 0; i < 16; i += 2) {
          float4 u = hv[kq + 4 * i], v = hv[kq + 4 * (i + 1)];
          a0 = fmaf(w[4 * i], u.x, a0); a0 = fmaf(w[4 * i + 1], u.y, a0);
          a0 = fmaf(w[4 * i + 2], u.z, a0); a0 = fmaf(w[4 * i + 3], u.w, a0);
          a1 = fmaf(w[4 * i + 4], v.x, a1); a1 = fmaf(w[4 * i + 5], v.y, a1);
          a1 = fmaf(w[4 * i + 6], v.z, a1); a1 = fmaf(w[4 * i + 7], v.w, a1);
        }
        float a = a0 + a1;
        a += __shfl_xor_sync(0xffffffffu, a, 1);
        a += __shfl_xor_sync(0xffffffffu, a, 2);
        if (kq == 0) gs[b][lr] = a;
      } else {
        float a[4] = {0.f, 0.f, 0.f, 0.f};
#pragma unroll
        for (int i = 0; i < 4; i++) {
          const float4 u = hv[kp + 16 * i];
#pragma unroll
          for (int r = 0; r < 4; r++) {
            a[r] = fmaf(w[16 * r + 4 * i], u.x, a[r]); a[r] = fmaf(w[16 * r + 4 * i + 1], u.y, a[r]);
            a[r] = fmaf(w[16 * r + 4 * i + 2], u.z, a[r]); a[r] = fmaf(w[16 * r + 4 * i + 3], u.w, a[r]);
          }
        }
        const int row = reduce_scatter4(a, kp, 8);
        if ((kp & 3) == 0) gs[b][4 * rq + row] = a[0];
      }
    }
    __syncthreads();
    if (act) {
      const float ig = sigmoidf_(gs[cb][cj] + x0 + bias[0]);
      const float fg = sigmoidf_(gs[cb][32 + cj] + x1 + bias[1]);
      const float gg = tanhf(gs[cb][64 + cj] + x2 + bias[2]);
      const float og = sigmoidf_(gs[cb][96 + cj] + x3 + bias[3]);
      const float hp = h;
      c = fmaf(fg, c, ig * gg);
      h = og * tanhf(c);
      y[((size_t)(b0 + cb) * T + tt) * YW + dir * HID + unit] = h;
      gates[row * G4 + unit] = ig;
      gates[row * G4 + HID + unit] = fg;
      gates[row * G4 + 2 * HID + unit] = gg;
      gates[row * G4 + 3 * HID + unit] = og;
      cell[row * HID + unit] = c;
      hprev[row * HID + unit] = hp;
#pragma unroll
      for (int q = 0; q < NBLK; q++) *cluster.map_shared_rank(&hs[cur ^ 1][cb][unit], q) = h;
    }
    cluster.sync();
  }
}

template <int V>
__device__ __forceinline__ void bwd_body(const float *__restrict__ dy, const float *__restrict__ whh0, const float *__restrict__ whh1,
             const float *__restrict__ gates, const float *__restrict__ cell, const float *__restrict__ lensf,
             float *__restrict__ da, int B, int T, int ndir, int maxLen) {
  cg::cluster_group cluster = cg::this_cluster();
  __shared__ float recv[2][NBLK][BCH][UNITS];  // [buffer][sender block][item][unit]
  __shared__ __align__(16) float das[BCH][ROWS];
  __shared__ int lens_s[BCH];
  const int p = (int)cluster.block_rank();
  const int dir = blockIdx.x / NBLK;
  const int b0 = blockIdx.y * BCH;
  const int nb = min(BCH, B - b0);
  const int tid = threadIdx.x;
  const float *W = dir ? whh1 : whh0;
  const size_t BT = (size_t)B * T;
  const int G4 = 4 * HID, YW = ndir * HID;

  // transposed matrix-vector role: hidden unit k (all 256), row half rg; holds W[row(lr)][k] for
  // lr = 4 * (rg + 2 * i) + e, i < 16, e < 4 (interleaved so the two halves read different banks)
  // V2: hidden units 4 cq + c (c < 4), row part rp of 8; holds W[row(lr)][4 cq + c] for lr = 4 (rp + 8 i) + e,
  // i < 4, e < 4 (each gate gradient read from shared memory feeds 4 FMAs; the 8 partials reduce by shuffles)
  const int k = tid >> 1, rg = tid & 1;
  const int cq = tid >> 3, rp = tid & 7;
  float w[64];
  if constexpr (V == 1) {
#pragma unroll
    for (int i = 0; i < 16; i++)
#pragma unroll
      for (int e = 0; e < 4; e++) w[4 * i + e] = W[(size_t)gate_row(4 * (rg + 2 * i) + e, p) * HID + k];
  } else {
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
      for (int e = 0; e < 4; e++) {
        const float4 v = *reinterpret_cast<const float4 *>(W + (size_t)gate_row(4 * (rp + 8 * i) + e, p) * HID + 4 * cq);
        w[4 * i + e] = v.x; w[16 + 4 * i + e] = v.y; w[32 + 4 * i + e] = v.z; w[48 + 4 * i + e] = v.w;
      }
  }
  const int cb = tid >> 5, cj = tid & 31, unit = p * UNITS + cj;
  const int len = cb < nb ? (int)lensf[b0 + cb] : 0;
  if (tid < BCH) lens_s[tid] = tid < nb ? (int)lensf[b0 + tid] : 0;
  float dc = 0.f;
  // step s's saved values (gates, c_s, c_{s-1}, dy) are loaded one step ahead
  float pv[7] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
  auto fetch = [&](int s) {
    if (s >= 0 && s < len) {
      const int tt = dir ? len - 1 - s : s;
      const size_t r = (size_t)dir * BT + (size_t)(b0 + cb) * T + tt;
#pragma unroll
      for (int g = 0; g < 4; g++) pv[g] = gates[r * G4 + g * HID + unit];
      pv[4] = cell[r * HID + unit];
      pv[5] = s > 0 ? cell[(dir ? r + 1 : r - 1) * HID + unit] : 0.f;
      pv[6] = dy[((size_t)(b0 + cb) * T + tt) * YW + dir * HID + unit];
    }
  };
  fetch(maxLen - 1);
  cluster.sync();

  for (int s = maxLen - 1; s >= 0; s--) {
    const float ig = pv[0], fg = pv[1], gg = pv[2], og = pv[3], cv = pv[4], cp = pv[5], dyv = pv[6];
    fetch(s - 1);
    if (s < len) {
      float dhr = 0.f;
      if (s + 1 < len) {  // this item ran step s + 1: its dh_prev arrived in recv[(s + 1) & 1]
        const int rb = (s + 1) & 1;
#pragma unroll
        for (int q = 0; q < NBLK; q++) dhr += recv[rb][q][cb][cj];
      }
      const int tt = dir ? len - 1 - s : s;
      const size_t row = (size_t)dir * BT + (size_t)(b0 + cb) * T + tt;
      const float dh = dyv + dhr;
      const float tc = tanhf(cv);
      const float dcv = fmaf(dh * og, 1.f - tc * tc, dc);
      const float dai = dcv * gg * ig * (1.f - ig);
      const float daf = dcv * cp * fg * (1.f - fg);
      const float dag = dcv * ig * (1.f - gg * gg);
      const float dao = dh * tc * og * (1.f - og);
      dc = dcv * fg;
      da[row * G4 + unit] = dai;
      da[row * G4 + HID + unit] = daf;
      da[row * G4 + 2 * HID + unit] = dag;
      da[row * G4 + 3 * HID + unit] = dao;
      das[cb][cj] = dai;
      das[cb][32 + cj] = daf;
      das[cb][64 + cj] = dag;
      das[cb][96 + cj] = dao;
    }
    __syncthreads();
    if (s == 0) break;  // the gradient of h0 (a constant zero) is not needed
    const int wb = s & 1;
    for (int b = 0; b < nb; b++) {
      if (s >= lens_s[b]) continue;  // uniform; an item not running at s sends nothing (its receivers skip)
      const float4 *dv = reinterpret_cast<const float4 *>(das[b]);
      if constexpr (V == 1) {
        float a0 = 0.f, a1 = 0.f;
#pragma unroll
        for (int i = 0; i < 16; i += 2) {
          float4 u = dv[rg + 2 * i], v = dv[rg + 2 * (i + 1)];
          a0 = fmaf(w[4 * i], u.x, a0); a0 = fmaf(w[4 * i + 1], u.y, a0);
          a0 = fmaf(w[4 * i + 2], u.z, a0); a0 = fmaf(w[4 * i + 3], u.w, a0);
          a1 = fmaf(w[4 * i + 4], v.x, a1); a1 = fmaf(w[4 * i + 5], v.y, a1);
          a1 = fmaf(w[4 * i + 6], v.z, a1); a1 = fmaf(w[4 * i + 7], v.w, a1);
        }
        float a = a0 + a1;
        a += __shfl_xor_sync(0xffffffffu, a, 1);
        if (rg == 0) *cluster.map_shared_rank(&recv[wb][p][b][k & 31], k >> 5) = a;
      } else {
        float a[4] = {0.f, 0.f, 0.f, 0.f};
#pragma unroll
        for (int i = 0; i < 4; i++) {
          const float4 u = dv[rp + 8 * i];
#pragma unroll
          for (int c = 0; c < 4; c++) {
            a[c] = fmaf(w[16 * c + 4 * i], u.x, a[c]); a[c] = fmaf(w[16 * c + 4 * i + 1], u.y, a[c]);
            a[c] = fmaf(w[16 * c + 4 * i + 2], u.z, a[c]); a[c] = fmaf(w[16 * c + 4 * i + 3], u.w, a[c]);
          }
        }
        const int col = reduce_scatter4(a, rp, 4);
        if ((rp & 1) == 0) {
          const int kk = 4 * cq + col;
          *cluster.map_shared_rank(&recv[wb][p][b][kk & 31], kk >> 5) = a[0];
        }
      }
    }
    cluster.sync();
  }
}

#define FWD_ARGS xg, whh0, whh1, bih0, bhh0, bih1, bhh1, lensf, y, gates, cell, hprev, B, T, ndir, maxLen
#define BWD_ARGS dy, whh0, whh1, gates, cell, lensf, da, B, T, ndir, maxLen
extern "C" __global__ void __cluster_dims__(NBLK, 1, 1) __launch_bounds__(NTHR, 1)
lstm_fwd_rec(const float *__restrict__ xg, const float *__restrict__ whh0, const float *__restrict__ whh1,
             const float *__restrict__ bih0, const float *__restrict__ bhh0,
             const float *__restrict__ bih1, const float *__restrict__ bhh1,
             const float *__restrict__ lensf, float *__restrict__ y, float *__restrict__ gates,
             float *__restrict__ cell, float *__restrict__ hprev, int B, int T, int ndir, int maxLen) { fwd_body<1>(FWD_ARGS); }
extern "C" __global__ void __cluster_dims__(NBLK, 1, 1) __launch_bounds__(NTHR, 1)
lstm_fwd_rec2(const float *__restrict__ xg, const float *__restrict__ whh0, const float *__restrict__ whh1,
             const float *__restrict__ bih0, const float *__restrict__ bhh0,
             const float *__restrict__ bih1, const float *__restrict__ bhh1,
             const float *__restrict__ lensf, float *__restrict__ y, float *__restrict__ gates,
             float *__restrict__ cell, float *__restrict__ hprev, int B, int T, int ndir, int maxLen) { fwd_body<2>(FWD_ARGS); }
extern "C" __global__ void __cluster_dims__(NBLK, 1, 1) __launch_bounds__(NTHR, 1)
lstm_bwd_rec(const float *__restrict__ dy, const float *__restrict__ whh0, const float *__restrict__ whh1,
             const float *__restrict__ gates, const float *__restrict__ cell, const float *__restrict__ lensf,
             float *__restrict__ da, int B, int T, int ndir, int maxLen) { bwd_body<1>(BWD_ARGS); }
extern "C" __global__ void __cluster_dims__(NBLK, 1, 1) __launch_bounds__(NTHR, 1)
lstm_bwd_rec2(const float *__restrict__ dy, const float *__restrict__ whh0, const float *__restrict__ whh1,
             const float *__restrict__ gates, const float *__restrict__ cell, const float *__restrict__ lensf,
             float *__restrict__ da, int B, int T, int ndir, int maxLen) { bwd_body<2>(BWD_ARGS); }
#endif  // __CUDA_ARCH__ >= 900

// C = alpha op(A) op(B) + beta C in FP32 (row-major; transA: A stored [K, M]; transB: B stored [N, K]).
// 128x128x8 tiles, 256 threads, 8x8 outputs each. gridDim.z > 1 splits K into chunks of kChunk and
// accumulates with atomics (C zeroed by the caller, beta ignored).
#define GBM 128
#define GBN 128
#define GBK 8
extern "C" __global__ void __launch_bounds__(256)
lstm_sgemm(const float *__restrict__ A, const float *__restrict__ Bm, float *__restrict__ C, int M, int N, int K,
           int transA, int transB, float alpha, float beta, int kChunk) {
  __shared__ __align__(16) float As[GBK][GBM + 4];
  __shared__ __align__(16) float Bs[GBK][GBN + 4];
  const int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
  const int m0 = blockIdx.y * GBM, n0 = blockIdx.x * GBN;
  const int kBeg = blockIdx.z * kChunk, kEnd = min(K, kBeg + kChunk);
  float acc[8][8];
#pragma unroll
  for (int i = 0; i < 8; i++)
#pragma unroll
    for (int j = 0; j < 8; j++) acc[i][j] = 0.f;
  float ra[4], rb[4];
  int ar[4], ac[4], br[4], bc[4];  // smem coordinates (k, m|n) of this thread's 4 loads per tile
#pragma unroll
  for (int e = 0; e < 4; e++) {
    const int idx = tid + e * 256;
    if (!transA) { ar[e] = idx >> 3; ac[e] = idx & 7; } else { ac[e] = idx >> 7; ar[e] = idx & 127; }
    if (!transB) { bc[e] = idx >> 7; br[e] = idx & 127; } else { br[e] = idx >> 3; bc[e] = idx & 7; }
  }
  auto load = [&](int k0) {
#pragma unroll
    for (int e = 0; e < 4; e++) {
      const int m = m0 + ar[e], ka = k0 + ac[e];
      ra[e] = (m < M && ka < kEnd) ? (transA ? A[(size_t)ka * M + m] : A[(size_t)m * K + ka]) : 0.f;
      const int n = n0 + br[e], kb = k0 + bc[e];
      rb[e] = (n < N && kb < kEnd) ? (transB ? Bm[(size_t)n * K + kb] : Bm[(size_t)kb * N + n]) : 0.f;
    }
  };
  if (kBeg < kEnd) load(kBeg);
  for (int k0 = kBeg; k0 < kEnd; k0 += GBK) {
#pragma unroll
    for (int e = 0; e < 4; e++) { As[ac[e]][ar[e]] = ra[e]; Bs[bc[e]][br[e]] = rb[e]; }
    __syncthreads();
    if (k0 + GBK < kEnd) load(k0 + GBK);
#pragma unroll
    for (int kk = 0; kk < GBK; kk++) {
      const float4 a0 = *reinterpret_cast<const float4 *>(&As[kk][ty * 4]);
      const float4 a1 = *reinterpret_cast<const float4 *>(&As[kk][64 + ty * 4]);
      const float4 b0 = *reinterpret_cast<const float4 *>(&Bs[kk][tx * 4]);
      const float4 b1 = *reinterpret_cast<const float4 *>(&Bs[kk][64 + tx * 4]);
      const float av[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
      const float bv[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
      for (int i = 0; i < 8; i++)
#pragma unroll
        for (int j = 0; j < 8; j++) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
    }
    __syncthreads();
  }
  const bool split = gridDim.z > 1;
#pragma unroll
  for (int i = 0; i < 8; i++) {
    const int m = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4);
    if (m >= M) continue;
#pragma unroll
    for (int j = 0; j < 8; j++) {
      const int n = n0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + j - 4);
      if (n >= N) continue;
      float *cp = C + (size_t)m * N + n;
      const float v = alpha * acc[i][j];
      if (split) atomicAdd(cp, v);
      else *cp = beta == 0.f ? v : fmaf(beta, *cp, v);
    }
  }
}

// out[z, col] += sum of A[z, rows, col] over a chunk of rows (out zeroed by the caller); grid
// (ceil(cols / 256), row chunks, z).
extern "C" __global__ void lstm_colsum(const float *__restrict__ A, float *__restrict__ out, int rows, int cols,
                                       int rowsPerBlock) {
  const int col = blockIdx.x * blockDim.x + threadIdx.x;
  if (col >= cols) return;
  const float *a = A + (size_t)blockIdx.z * rows * cols;
  const int r0 = blockIdx.y * rowsPerBlock, r1 = min(rows, r0 + rowsPerBlock);
  float s0 = 0.f, s1 = 0.f;
  int r = r0;
  for (; r + 1 < r1; r += 2) { s0 += a[(size_t)r * cols + col]; s1 += a[(size_t)(r + 1) * cols + col]; }
  if (r < r1) s0 += a[(size_t)r * cols + col];
  atomicAdd(out + (size_t)blockIdx.z * cols + col, s0 + s1);
}
