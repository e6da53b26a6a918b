// conv1d and conv_transpose1d (PyTorch semantics), forward and backward, as three lowered operations
// on one "short" signal S [B, groups*cs, ts] and one "long" signal L [B, groups*cl, tl] tied by the weight
// W [groups*cs, cl, K] (engine Conv.java's Geometry):
//   S[b,g,i,t] = sum_{c,kk} W[g,i,c,kk] * L[b,g,c, t*stride - pad + kk*dil]   (terms outside [0,tl) are 0)
// mode 0 "gather"  S = W . im2col(L)        conv1d forward, conv_transpose1d backward-input
// mode 1 "scatter" L = col2im(W^T . S)      conv1d backward-input, conv_transpose1d forward (gather form:
//                                           each L sample sums the taps that reach it, no atomics)
// mode 2 "wgrad"   gW += S . im2col(L)^T    both weight gradients (split over b*t, atomics into gW)
// Tensor-core path: implicit GEMM on TF32 wmma m16n16k8 with FP32 accumulation; the im2col operand is
// gathered into shared memory tile by tile (never materialised in global memory). Block tile 64x128x16,
// 8 warps of 32x32, the next tile's global loads in registers while the current one multiplies.
// Scatter mode runs one grid slice per output phase r = (p + pad) mod stride, so only the taps with
// kk*dil = r (mod stride) enter its reduction (a stride-10 conv_transpose does K/10 taps, not K).
// Plain FP32 kernels (one thread per output) serve depthwise and small shapes.
#include <cuda_runtime.h>
#include <mma.h>
using namespace nvcuda;

#define BM 64
#define BN 128
#define BK 16
#define NT 256
#define APAD 4
#define BPAD 4
#define CPAD 4

struct Geo {
  int batch, groups, cs, cl, k, ts, tl, stride, pad, dil;
};

__device__ __forceinline__ int gcd_i(int a, int b) {
  while (b) { int t = a % b; a = b; b = t; }
  return a;
}

// Phase data of scatter mode for output phase r: taps kk = kk0 + j*step (j < nk) satisfy kk*dil = r mod
// stride; positions p = r + stride*u - pad for u in [u0, u0 + nq).
struct Phase {
  int kk0, step, nk, u0, nq;
};

__device__ __forceinline__ Phase phase_of(const Geo &g, int r) {
  Phase ph;
  ph.step = g.stride / gcd_i(g.dil, g.stride);
  ph.kk0 = g.k;
  for (int kk = 0; kk < ph.step && kk < g.k; kk++)
    if ((kk * g.dil) % g.stride == r) { ph.kk0 = kk; break; }
  ph.nk = ph.kk0 < g.k ? (g.k - 1 - ph.kk0) / ph.step + 1 : 0;
  ph.u0 = g.pad > r ? (g.pad - r + g.stride - 1) / g.stride : 0;
  int num = g.tl - 1 + g.pad - r;
  int u1 = num >= 0 ? num / g.stride : -1;
  ph.nq = u1 >= ph.u0 ? u1 - ph.u0 + 1 : 0;
  return ph;
}

template <int MODE>
__device__ __forceinline__ void igemm(const float *__restrict__ W, const float *__restrict__ S, const float *__restrict__ L,
                                      const float *__restrict__ bias, float *__restrict__ out, Geo g, int splits, int kchunk) {
  __shared__ __align__(32) float As[BM][BK + APAD];
  __shared__ __align__(32) float Bs[BK][BN + BPAD];
  __shared__ __align__(32) float Cs[BM][BN + CPAD];
  const int tid = threadIdx.x, warp = tid >> 5;
  const int wm = (warp >> 2) * 32, wn = (warp & 3) * 32;
  const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;

  int grp, M, N, KD, kbeg, kend;
  Phase ph = {0, 1, 0, 0, 0};
  int r = 0;
  if (MODE == 0) {
    grp = blockIdx.z;
    M = g.cs; N = g.batch * g.ts; KD = g.cl * g.k; kbeg = 0; kend = KD;
  } else if (MODE == 1) {
    grp = blockIdx.z / g.stride; r = blockIdx.z % g.stride;
    ph = phase_of(g, r);
    M = g.cl; N = g.batch * ph.nq; KD = g.cs * ph.nk; kbeg = 0; kend = KD;
  } else {
    grp = blockIdx.z / splits;
    const int sp = blockIdx.z % splits;
    M = g.cs; N = g.cl * g.k; KD = g.batch * g.ts;
    kbeg = sp * kchunk; kend = min(KD, kbeg + kchunk);
  }
  if (n0 >= N || m0 >= M) return;  // whole block: no barrier skipped by part of it

  // ---- per-thread fixed parts of the loads
  // A loads: 4 per thread; B loads: 8 per thread
  float ra[4], rb[8];
  // mode 0/2 A: kd = tid & 15, row = (tid >> 4) + 16*q ; mode 1 A: row = tid & 63, kd = (tid >> 6) + 4*q
  // mode 0/1 B: col = tid & 127, kd = (tid >> 7) + 2*q ; mode 2 B: kd = tid & 15, col = (tid >> 4) + 16*q
  const float *bcol = nullptr;  // modes 0/1: base of the fixed column's signal row set
  int bpos = 0, bvalid = 0;
  if (MODE == 0) {
    const int n = n0 + (tid & 127);
    bvalid = n < N;
    const int b = bvalid ? n / g.ts : 0, t = bvalid ? n % g.ts : 0;
    bcol = L + ((size_t)(b * g.groups + grp) * g.cl) * g.tl;
    bpos = t * g.stride - g.pad;
  } else if (MODE == 1) {
    const int n = n0 + (tid & 127);
    bvalid = n < N;
    const int b = bvalid ? n / ph.nq : 0, u = bvalid ? ph.u0 + n % ph.nq : 0;
    bcol = S + ((size_t)(b * g.groups + grp) * g.cs) * g.ts;
    bpos = u;
  }

  auto load = [&](int k0) {
    if (MODE == 0) {
#pragma unroll
      for (int q = 0; q < 4; q++) {
        const int m = m0 + (tid >> 4) + 16 * q, kd = k0 + (tid & 15);
        ra[q] = (m < M && kd < kend) ? W[((size_t)grp * g.cs + m) * KD + kd] : 0.f;
      }
#pragma unroll
      for (int q = 0; q < 8; q++) {
        const int kd = k0 + (tid >> 7) + 2 * q;
        float v = 0.f;
        if (bvalid && kd < kend) {
          const int c = kd / g.k, kk = kd - c * g.k, pos = bpos + kk * g.dil;
          if (pos >= 0 && pos < g.tl) v = bcol[(size_t)c * g.tl + pos];
        }
        rb[q] = v;
      }
    } else if (MODE == 1) {
      const int m = m0 + (tid & 63);
#pragma unroll
      for (int q = 0; q < 4; q++) {
        const int kd = k0 + (tid >> 6) + 4 * q;
        float v = 0.f;
        if (m < M && kd < kend) {
          const int i = kd / ph.nk, j = kd - i * ph.nk, kk = ph.kk0 + j * ph.step;
          v = W[(((size_t)grp * g.cs + i) * g.cl + m) * g.k + kk];
        }
        ra[q] = v;
      }
#pragma unroll
      for (int q = 0; q < 8; q++) {
        const int kd = k0 + (tid >> 7) + 2 * q;
        float v = 0.f;
        if (bvalid && kd < kend) {
          const int i = kd / ph.nk, j = kd - i * ph.nk, kk = ph.kk0 + j * ph.step;
          const int t = bpos - (kk * g.dil - r) / g.stride;
          if (t >= 0 && t < g.ts) v = bcol[(size_t)i * g.ts + t];
        }
        rb[q] = v;
      }
    } else {
      const int kd = k0 + (tid & 15);
      const bool kok = kd < kend;
      const int b = kok ? kd / g.ts : 0, t = kok ? kd - b * g.ts : 0;
      const size_t sb = ((size_t)(b * g.groups + grp) * g.cs) * g.ts + t;
      const size_t lb = ((size_t)(b * g.groups + grp) * g.cl) * g.tl;
#pragma unroll
      for (int q = 0; q < 4; q++) {
        const int m = m0 + (tid >> 4) + 16 * q;
        ra[q] = (kok && m < M) ? S[sb + (size_t)m * g.ts] : 0.f;
      }
#pragma unroll
      for (int q = 0; q < 8; q++) {
        const int n = n0 + (tid >> 4) + 16 * q;
        float v = 0.f;
        if (kok && n < N) {
          const int c = n / g.k, kk = n - c * g.k, pos = t * g.stride - g.pad + kk * g.dil;
          if (pos >= 0 && pos < g.tl) v = L[lb + (size_t)c * g.tl + pos];
        }
        rb[q] = v;
      }
    }
  };
  auto store = [&]() {
    if (MODE == 1) {
#pragma unroll
      for (int q = 0; q < 4; q++) As[tid & 63][(tid >> 6) + 4 * q] = wmma::__float_to_tf32(ra[q]);
    } else {
#pragma unroll
      for (int q = 0; q < 4; q++) As[(tid >> 4) + 16 * q][tid & 15] = wmma::__float_to_tf32(ra[q]);
    }
    if (MODE == 2) {
#pragma unroll
      for (int q = 0; q < 8; q++) Bs[tid & 15][(tid >> 4) + 16 * q] = wmma::__float_to_tf32(rb[q]);
    } else {
#pragma unroll
      for (int q = 0; q < 8; q++) Bs[(tid >> 7) + 2 * q][tid & 127] = wmma::__float_to_tf32(rb[q]);
    }
  };

  wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2][2];
#pragma unroll
  for (int i = 0; i < 2; i++)
#pragma unroll
    for (int j = 0; j < 2; j++) wmma::fill_fragment(acc[i][j], 0.f);

  if (kbeg < kend) load(kbeg);
  for (int k0 = kbeg; k0 < kend; k0 += BK) {
    store();
    __syncthreads();
    if (k0 + BK < kend) load(k0 + BK);
#pragma unroll
    for (int kk = 0; kk < BK; kk += 8) {
      wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fa[2];
      wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fb[2];
#pragma unroll
      for (int i = 0; i < 2; i++) wmma::load_matrix_sync(fa[i], &As[wm + 16 * i][kk], BK + APAD);
#pragma unroll
      for (int j = 0; j < 2; j++) wmma::load_matrix_sync(fb[j], &Bs[kk][wn + 16 * j], BN + BPAD);
#pragma unroll
      for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 2; j++) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 2; i++)
#pragma unroll
    for (int j = 0; j < 2; j++)
      wmma::store_matrix_sync(&Cs[wm + 16 * i][wn + 16 * j], acc[i][j], BN + CPAD, wmma::mem_row_major);
  __syncthreads();

  // ---- epilogue: consecutive threads take consecutive columns (contiguous time in S / L)
  for (int idx = tid; idx < BM * BN; idx += NT) {
    const int rr = idx / BN, cc = idx % BN, m = m0 + rr, n = n0 + cc;
    if (m >= M || n >= N) continue;
    const float v = Cs[rr][cc];
    if (MODE == 0) {
      const int b = n / g.ts, t = n % g.ts;
      out[((size_t)(b * g.groups + grp) * g.cs + m) * g.ts + t] = v + (bias ? bias[grp * g.cs + m] : 0.f);
    } else if (MODE == 1) {
      const int b = n / ph.nq, u = ph.u0 + n % ph.nq, p = r + g.stride * u - g.pad;
      out[((size_t)(b * g.groups + grp) * g.cl + m) * g.tl + p] = v + (bias ? bias[grp * g.cl + m] : 0.f);
    } else {
      atomicAdd(&out[((size_t)grp * g.cs + m) * N + n], v);
    }
  }
}

#define GEO_PARAMS int batch, int groups, int cs, int cl, int k, int ts, int tl, int stride, int pad, int dil
#define GEO_MAKE Geo g = {batch, groups, cs, cl, k, ts, tl, stride, pad, dil}

extern "C" __global__ void __launch_bounds__(NT)
conv_gather_tf32(const float *W, const float *L, const float *bias, float *S, GEO_PARAMS) {
  GEO_MAKE;
  igemm<0>(W, nullptr, L, bias, S, g, 1, 0);
}

extern "C" __global__ void __launch_bounds__(NT)
conv_scatter_tf32(const float *W, const float *S, const float *bias, float *L, GEO_PARAMS) {
  GEO_MAKE;
  igemm<1>(W, S, nullptr, bias, L, g, 1, 0);
}

extern "C" __global__ void __launch_bounds__(NT)
conv_wgrad_tf32(const float *S, const float *L, float *gW, GEO_PARAMS, int splits, int kchunk) {
  GEO_MAKE;
  igemm<2>(nullptr, S, L, nullptr, gW, g, splits, kchunk);
}

// ---------------------------------------------------------------- plain FP32 (depthwise, small shapes)

extern "C" __global__ void conv_gather_f32(const float *W, const float *L, const float *bias, float *S, GEO_PARAMS) {
  const long long total = (long long)batch * groups * cs * ts;
  const int kd = cl * k;
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total; idx += (long long)gridDim.x * blockDim.x) {
    const int t = idx % ts;
    const long long rest = idx / ts;
    const int i = rest % cs;
    const int bg = rest / cs, grp = bg % groups;
    const float *w = W + ((size_t)grp * cs + i) * kd;
    const float *l = L + (size_t)bg * cl * tl;
    const int base = t * stride - pad;
    float acc = 0.f;
    for (int c = 0; c < cl; c++)
      for (int kk = 0; kk < k; kk++) {
        const int pos = base + kk * dil;
        if (pos >= 0 && pos < tl) acc = fmaf(w[c * k + kk], l[(size_t)c * tl + pos], acc);
      }
    S[idx] = acc + (bias ? bias[grp * cs + i] : 0.f);
  }
}

extern "C" __global__ void conv_scatter_f32(const float *W, const float *S, const float *bias, float *L, GEO_PARAMS) {
  const long long total = (long long)batch * groups * cl * tl;
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total; idx += (long long)gridDim.x * blockDim.x) {
    const int p = idx % tl;
    const long long rest = idx / tl;
    const int c = rest % cl;
    const int bg = rest / cl, grp = bg % groups;
    const float *s = S + (size_t)bg * cs * ts;
    float acc = 0.f;
    for (int kk = 0; kk < k; kk++) {
      const int num = p + pad - kk * dil;
      if (num < 0 || num % stride) continue;
      const int t = num / stride;
      if (t >= ts) continue;
      for (int i = 0; i < cs; i++) acc = fmaf(W[(((size_t)grp * cs + i) * cl + c) * k + kk], s[(size_t)i * ts + t], acc);
    }
    L[idx] = acc + (bias ? bias[grp * cl + c] : 0.f);
  }
}

__device__ __forceinline__ double block_sum(double v, double *sh) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  __syncthreads();
  if (lane == 0) sh[w] = v;
  __syncthreads();
  double s = 0;
  if (threadIdx.x < 32) {
    s = threadIdx.x < (blockDim.x >> 5) ? sh[threadIdx.x] : 0;
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
  }
  return s;  // valid in thread 0
}

// One block per weight element (grid-stride over them): gW[g,i,c,kk] = sum_{b,t} S[b,g,i,t] L[b,g,c,pos].
extern "C" __global__ void conv_wgrad_f32(const float *S, const float *L, float *gW, GEO_PARAMS) {
  __shared__ double sh[32];
  const long long nw = (long long)groups * cs * cl * k;
  for (long long e = blockIdx.x; e < nw; e += gridDim.x) {
    const int kk = e % k;
    const long long r1 = e / k;
    const int c = r1 % cl;
    const long long r2 = r1 / cl;
    const int i = r2 % cs, grp = r2 / cs;
    double acc = 0;
    for (long long q = threadIdx.x; q < (long long)batch * ts; q += blockDim.x) {
      const int b = q / ts, t = q % ts, pos = t * stride - pad + kk * dil;
      if (pos < 0 || pos >= tl) continue;
      acc += (double)S[((size_t)(b * groups + grp) * cs + i) * ts + t] * L[((size_t)(b * groups + grp) * cl + c) * tl + pos];
    }
    acc = block_sum(acc, sh);
    if (threadIdx.x == 0) gW[e] = (float)acc;
  }
}

// db[c] = sum_{b,t} g[b,c,t] for g [B, C, T]: one block per channel.
extern "C" __global__ void conv_bias_grad(const float *g, float *db, int batch, int channels, int t) {
  __shared__ double sh[32];
  for (int c = blockIdx.x; c < channels; c += gridDim.x) {
    double acc = 0;
    for (long long q = threadIdx.x; q < (long long)batch * t; q += blockDim.x) {
      const int b = q / t, j = q % t;
      acc += g[((size_t)b * channels + c) * t + j];
    }
    acc = block_sum(acc, sh);
    if (threadIdx.x == 0) db[c] = (float)acc;
  }
}

// ---------------------------------------------------------------- v2/v3: tap-major steps, one barrier per step
// The reduction runs in steps of BK: per step one tap kk (modes 0/1) or one batch row b (mode 2) and BK
// consecutive channels (modes 0/1) or time samples (mode 2), so a step's gather needs no division per
// element. Shared memory is double-buffered (one barrier per step, the next step's global loads in registers
// while the current one multiplies) and the per-warp epilogue scratch aliases it. Modes 0/1 may split the steps
// over blockIdx.z too (splits > 1: the output is zeroed by the caller, partial sums are added atomically and
// split 0 adds the bias), for shapes with few output tiles.
template <int MODE, int TBM>
__device__ __forceinline__ void igemm2(const float *__restrict__ W, const float *__restrict__ S, const float *__restrict__ L,
                                       const float *__restrict__ bias, float *__restrict__ out, Geo g, int splits, int chunk) {
  // TBM x 128 block tile; 8 warps as 2 x 4, each (TBM/2) x 32 = FI x 2 fragments of 16 x 16
  constexpr int FI = TBM / 32, NA = TBM * BK / NT;  // A elements per thread per step
  constexpr int AS = TBM * (BK + APAD), BS = BK * (BN + BPAD);
  __shared__ __align__(128) float smem[2 * (AS + BS)];
  float(*As)[TBM][BK + APAD] = reinterpret_cast<float(*)[TBM][BK + APAD]>(smem);
  float(*Bs)[BK][BN + BPAD] = reinterpret_cast<float(*)[BK][BN + BPAD]>(smem + 2 * AS);
  static_assert(2 * (AS + BS) >= 8 * 256, "per-warp epilogue scratch fits");

  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int wm = (warp >> 2) * (TBM / 2), wn = (warp & 3) * 32;
  const int m0 = blockIdx.y * TBM, n0 = blockIdx.x * BN;
  const int zg = blockIdx.z / splits, sp = blockIdx.z % splits;

  int grp = zg, r = 0, M, N, nsteps, inner;  // inner: BK-blocks per outer index of a step
  Phase ph = {0, 1, 0, 0, 0};
  if (MODE == 0) {
    M = g.cs; N = g.batch * g.ts; inner = (g.cl + BK - 1) / BK; nsteps = g.k * inner;
  } else if (MODE == 1) {
    grp = zg / g.stride; r = zg % g.stride;
    ph = phase_of(g, r);
    M = g.cl; N = g.batch * ph.nq; inner = (g.cs + BK - 1) / BK; nsteps = ph.nk * inner;
  } else {
    M = g.cs; N = g.cl * g.k; inner = (g.ts + BK - 1) / BK; nsteps = g.batch * inner;
  }
  if (n0 >= N || m0 >= M) return;
  const int sbeg = sp * chunk, send = min(nsteps, sbeg + chunk);

  // fixed per-thread parts
  const float *bcol = nullptr;
  int bpos = 0;
  bool bvalid = false;
  int roff[8], koff[8];  // mode 2: per B column, channel row offset c*tl (-1: column out of range) and kk*dil - pad
  if (MODE == 0) {
    const int n = n0 + (tid & 127);
    bvalid = n < N;
    const int b = bvalid ? n / g.ts : 0, t = bvalid ? n % g.ts : 0;
    bcol = L + ((size_t)(b * g.groups + grp) * g.cl) * g.tl;
    bpos = t * g.stride - g.pad;
  } else if (MODE == 1) {
    const int n = n0 + (tid & 127);
    bvalid = n < N;
    const int b = bvalid ? n / ph.nq : 0, u = bvalid ? ph.u0 + n % ph.nq : 0;
    bcol = S + ((size_t)(b * g.groups + grp) * g.cs) * g.ts;
    bpos = u;
  } else {
#pragma unroll
    for (int q = 0; q < 8; q++) {
      const int n = n0 + (tid >> 4) + 16 * q;
      const int c = n / g.k, kk = n - c * g.k;
      roff[q] = n < N ? c * g.tl : -1;
      koff[q] = kk * g.dil - g.pad;
    }
  }

  float ra[NA], rb[8];
  auto load = [&](int step) {
    const int outer = step / inner, blk = (step - outer * inner) * BK;
    if (MODE == 0) {
      const int kk = outer;
#pragma unroll
      for (int q = 0; q < NA; q++) {
        const int m = m0 + (tid >> 4) + 16 * q, c = blk + (tid & 15);
        ra[q] = (m < M && c < g.cl) ? W[(((size_t)grp * g.cs + m) * g.cl + c) * g.k + kk] : 0.f;
      }
      const int pos = bpos + kk * g.dil;
      const bool ok = bvalid && pos >= 0 && pos < g.tl;
#pragma unroll
      for (int q = 0; q < 8; q++) {
        const int c = blk + (tid >> 7) + 2 * q;
        rb[q] = (ok && c < g.cl) ? bcol[(size_t)c * g.tl + pos] : 0.f;
      }
    } else if (MODE == 1) {
      const int kk = ph.kk0 + outer * ph.step;
      const int m = m0 + (tid % TBM);
#pragma unroll
      for (int q = 0; q < NA; q++) {
        const int i = blk + tid / TBM + (NT / TBM) * q;
        ra[q] = (m < M && i < g.cs) ? W[(((size_t)grp * g.cs + i) * g.cl + m) * g.k + kk] : 0.f;
      }
      const int t = bpos - (kk * g.dil - r) / g.stride;
      const bool ok = bvalid && t >= 0 && t < g.ts;
#pragma unroll
      for (int q = 0; q < 8; q++) {
        const int i = blk + (tid >> 7) + 2 * q;
        rb[q] = (ok && i < g.cs) ? bcol[(size_t)i * g.ts + t] : 0.f;
      }
    } else {
      const int b = outer, t = blk + (tid & 15);
      const bool tok = t < g.ts;
      const float *sb = S + ((size_t)(b * g.groups + grp) * g.cs) * g.ts + t;
      const float *lb = L + ((size_t)(b * g.groups + grp) * g.cl) * g.tl;
#pragma unroll
      for (int q = 0; q < NA; q++) {
        const int m = m0 + (tid >> 4) + 16 * q;
        ra[q] = (tok && m < M) ? sb[(size_t)m * g.ts] : 0.f;
      }
      const int tp = t * g.stride;
#pragma unroll
      for (int q = 0; q < 8; q++) {
        const int pos = tp + koff[q];
        rb[q] = (tok && roff[q] >= 0 && pos >= 0 && pos < g.tl) ? lb[roff[q] + pos] : 0.f;
      }
    }
  };
  auto store = [&](int buf) {
    if (MODE == 1) {
#pragma unroll
      for (int q = 0; q < NA; q++) As[buf][tid % TBM][tid / TBM + (NT / TBM) * q] = wmma::__float_to_tf32(ra[q]);
    } else {
#pragma unroll
      for (int q = 0; q < NA; q++) As[buf][(tid >> 4) + 16 * q][tid & 15] = wmma::__float_to_tf32(ra[q]);
    }
    if (MODE == 2) {
#pragma unroll
      for (int q = 0; q < 8; q++) Bs[buf][tid & 15][(tid >> 4) + 16 * q] = wmma::__float_to_tf32(rb[q]);
    } else {
#pragma unroll
      for (int q = 0; q < 8; q++) Bs[buf][(tid >> 7) + 2 * q][tid & 127] = wmma::__float_to_tf32(rb[q]);
    }
  };

  wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[FI][2];
#pragma unroll
  for (int i = 0; i < FI; i++)
#pragma unroll
    for (int j = 0; j < 2; j++) wmma::fill_fragment(acc[i][j], 0.f);

  if (sbeg < send) {
    load(sbeg);
    store(0);
  }
  __syncthreads();
  int cur = 0;
  for (int s = sbeg; s < send; s++) {
    const bool more = s + 1 < send;
    if (more) load(s + 1);
#pragma unroll
    for (int kk = 0; kk < BK; kk += 8) {
      wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fa[FI];
      wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fb[2];
#pragma unroll
      for (int i = 0; i < FI; i++) wmma::load_matrix_sync(fa[i], &As[cur][wm + 16 * i][kk], BK + APAD);
#pragma unroll
      for (int j = 0; j < 2; j++) wmma::load_matrix_sync(fb[j], &Bs[cur][kk][wn + 16 * j], BN + BPAD);
#pragma unroll
      for (int i = 0; i < FI; i++)
#pragma unroll
        for (int j = 0; j < 2; j++) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
    }
    if (more) store(cur ^ 1);
    __syncthreads();
    cur ^= 1;
  }
  // epilogue: each warp stages one 16 x 16 fragment at a time in its own scratch (aliasing the tile buffers,
  // free after the loop's last barrier) and writes it out, 16 consecutive columns per row
  float *scratch = smem + warp * 256;
  const bool atomic = MODE == 2 || splits > 1;
  const bool addBias = bias != nullptr && sp == 0;
#pragma unroll
  for (int i = 0; i < FI; i++)
#pragma unroll
    for (int j = 0; j < 2; j++) {
      wmma::store_matrix_sync(scratch, acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
#pragma unroll
      for (int q = 0; q < 8; q++) {
        const int e = lane + 32 * q, rr = e >> 4, cc = e & 15;
        const int m = m0 + wm + 16 * i + rr, n = n0 + wn + 16 * j + cc;
        if (m >= M || n >= N) continue;
        float v = scratch[e];
        size_t o;
        if (MODE == 0) {
          const int b = n / g.ts, t = n % g.ts;
          o = ((size_t)(b * g.groups + grp) * g.cs + m) * g.ts + t;
          if (addBias) v += bias[grp * g.cs + m];
        } else if (MODE == 1) {
          const int b = n / ph.nq, u = ph.u0 + n % ph.nq, p = r + g.stride * u - g.pad;
          o = ((size_t)(b * g.groups + grp) * g.cl + m) * g.tl + p;
          if (addBias) v += bias[grp * g.cl + m];
        } else {
          o = ((size_t)grp * g.cs + m) * N + n;
        }
        if (atomic) atomicAdd(&out[o], v);
        else out[o] = v;
      }
      __syncwarp();
    }
}

extern "C" __global__ void __launch_bounds__(NT)
conv_gather_tf32_v2(const float *W, const float *L, const float *bias, float *S, GEO_PARAMS, int splits, int chunk) {
  GEO_MAKE;
  igemm2<0, 64>(W, nullptr, L, bias, S, g, splits, chunk);
}

extern "C" __global__ void __launch_bounds__(NT)
conv_scatter_tf32_v2(const float *W, const float *S, const float *bias, float *L, GEO_PARAMS, int splits, int chunk) {
  GEO_MAKE;
  igemm2<1, 64>(W, S, nullptr, bias, L, g, splits, chunk);
}

extern "C" __global__ void __launch_bounds__(NT)
conv_wgrad_tf32_v2(const float *S, const float *L, float *gW, GEO_PARAMS, int splits, int chunk) {
  GEO_MAKE;
  igemm2<2, 64>(nullptr, S, L, nullptr, gW, g, splits, chunk);
}

// v3: the same with 128 x 128 block tiles (warp tiles 64 x 32): twice the multiply-adds per staged element.
extern "C" __global__ void __launch_bounds__(NT)
conv_gather_tf32_v3(const float *W, const float *L, const float *bias, float *S, GEO_PARAMS, int splits, int chunk) {
  GEO_MAKE;
  igemm2<0, 128>(W, nullptr, L, bias, S, g, splits, chunk);
}

extern "C" __global__ void __launch_bounds__(NT)
conv_scatter_tf32_v3(const float *W, const float *S, const float *bias, float *L, GEO_PARAMS, int splits, int chunk) {
  GEO_MAKE;
  igemm2<1, 128>(W, S, nullptr, bias, L, g, splits, chunk);
}

extern "C" __global__ void __launch_bounds__(NT)
conv_wgrad_tf32_v3(const float *S, const float *L, float *gW, GEO_PARAMS, int splits, int chunk) {
  GEO_MAKE;
  igemm2<2, 128>(nullptr, S, L, nullptr, gW, g, splits, chunk);
}
