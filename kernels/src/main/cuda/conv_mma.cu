// v4 of conv1d.cu's gather and scatter modes (same Geo, same index maps; see conv1d.cu's header): implicit GEMM
// on mma.sync m16n8k8 TF32 (FP32 accumulate) with matmul.cu's machinery: block tile 128 x 128 x 32, 8 warps of
// 64 x 32 (or 4 of 64 x 64), a 3-stage cp.async shared-memory pipeline with one barrier per K step, ldmatrix for the weight tile.
//
// Both modes are one "tap gather" per z slice: out[m, col] = sum_{j < nk, c < C} A[m, j, c] * In[c, base(col) + j * tapD]
//   mode 0 (gather: conv1d forward, conv_transpose1d input gradient): z = group, A[m, j, c] = W[g, m, c, j],
//          col = (b, t), base = t * stride - pad, tapD = dil, In = L, output S[b, g, m, t].
//   mode 1 (scatter: conv1d input gradient, conv_transpose1d forward), one z slice per output phase
//          r = (p + pad) mod stride: the taps with kk * dil = r (mod stride), kk = kk0 + j * step,
//          A[m, j, c] = W[g, c, m, kk], col = (b, u), base = u - (kk0 * dil - r) / stride,
//          tapD = -step * dil / stride, In = S, output L[b, g, m, r + stride * u - pad].
// For a stride-1 conv1d, mode 1 is exactly the forward kernel on the flipped, transposed weight.
// conv_mma_arrange writes A once per call as [z][M][nkMax][Cp] (C padded to Cp, a multiple of 32, with zeros;
// values rounded to TF32), so that an A tile is 128 rows of 32 contiguous floats: plain 16-byte cp.async.
// The In tile (32 channels x 128 columns) is gathered with 4-byte cp.async (zero-filled outside the signal).
#include <cuda_runtime.h>

struct Geo {
  int batch, groups, cs, cl, k, ts, tl, stride, pad, dil;
};

__device__ __forceinline__ int gcd_i(int a, int b) {
  while (b) { int t = a % b; a = b; b = t; }
  return a;
}

struct Phase {
  int kk0, step, nk, u0, nq;
};

// as conv1d.cu's phase_of
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

#define GEO_PARAMS int batch, int groups, int cs, int cl, int k, int ts, int tl, int stride, int pad, int dil
#define GEO_MAKE Geo g = {batch, groups, cs, cl, k, ts, tl, stride, pad, dil}

__device__ __forceinline__ float tf32_rounded(float x) { return __uint_as_float((__float_as_uint(x) + 0x1000u) & 0xffffe000u); }

// Wp[z][m][j][c] (z < Z, m < M, j < nkMax, c < Cp) from W [groups * cs, cl, k].
extern "C" __global__ void conv_mma_arrange(const float *W, float *Wp, GEO_PARAMS, int mode, int Z, int M, int nkMax, int Cp) {
  GEO_MAKE;
  const long long total = (long long)Z * M * nkMax * Cp;
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total; idx += (long long)gridDim.x * blockDim.x) {
    const int c = idx % Cp;
    long long rest = idx / Cp;
    const int j = rest % nkMax;
    rest /= nkMax;
    const int m = rest % M;
    const int z = rest / M;
    float v = 0.f;
    if (mode == 0) {
      if (c < g.cl) v = W[(((size_t)z * g.cs + m) * g.cl + c) * g.k + j];
    } else {
      const int grp = z / g.stride, r = z % g.stride;
      const Phase ph = phase_of(g, r);
      if (c < g.cs && j < ph.nk) v = W[(((size_t)grp * g.cs + c) * g.cl + m) * g.k + ph.kk0 + j * ph.step];
    }
    Wp[idx] = tf32_rounded(v);
  }
}

#define CM_BM 128
#define CM_BN 128
#define CM_BK 32
#define CM_S 3
#define A_LD (CM_BK + 4)
#define B_LD (CM_BN + 8)
#define SA (CM_BM * A_LD)
#define SB (CM_BK * B_LD)

__device__ __forceinline__ void cp_async16(float *smem, const float *gp, bool pred) {
  const unsigned s = (unsigned)__cvta_generic_to_shared(smem);
  const int n = pred ? 16 : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gp), "r"(n));
}
__device__ __forceinline__ void cp_async4(float *smem, const float *gp, bool pred) {
  const unsigned s = (unsigned)__cvta_generic_to_shared(smem);
  const int n = pred ? 4 : 0;
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(s), "l"(gp), "r"(n));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N> __device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }
__device__ __forceinline__ unsigned to_tf32(float x) { return __float_as_uint(x) + 0x1000u; }
__device__ __forceinline__ void ldsm_x4(unsigned &r0, unsigned &r1, unsigned &r2, unsigned &r3, const float *p) {
  const unsigned s = (unsigned)__cvta_generic_to_shared(p);
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3) : "r"(s));
}

template <int MODE, int WM_, int WN_>
__device__ __forceinline__ void conv_mma(const float *__restrict__ Wp, const float *__restrict__ In, const float *__restrict__ bias,
                                         float *__restrict__ out, Geo g, int nkMax, int Cp, int splits, int chunk) {
  constexpr int NTH = 32 * WM_ * WN_, WM = CM_BM / WM_, WN = CM_BN / WN_, MT = WM / 16, NT = WN / 8;
  constexpr int BROWS = NTH / CM_BN;  // B tile rows loaded per pass of the block
  extern __shared__ float4 cm_smem4[];
  float *smem = reinterpret_cast<float *>(cm_smem4);
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, gq = lane >> 2, tq = lane & 3;
  const int wm = (warp / WN_) * WM, wn = (warp % WN_) * WN;
  const int m0 = blockIdx.y * CM_BM, n0 = blockIdx.x * CM_BN;
  const int zs = blockIdx.z / splits, sp = blockIdx.z - zs * splits;

  // the z slice's geometry
  int grp, r = 0, u0 = 0, M, C, nk, ncol, lin, tapD, off0, outLen;
  if (MODE == 0) {
    grp = zs; M = g.cs; C = g.cl; nk = g.k; ncol = g.ts; lin = g.tl; tapD = g.dil; off0 = -g.pad; outLen = g.ts;
  } else {
    grp = zs / g.stride; r = zs - grp * g.stride;
    const Phase ph = phase_of(g, r);
    M = g.cl; C = g.cs; nk = ph.nk; ncol = ph.nq; lin = g.ts; outLen = g.tl; u0 = ph.u0;
    tapD = -(ph.step * g.dil / g.stride);
    off0 = ph.u0 - (ph.kk0 * g.dil - r) / g.stride;  // base(col) = (col index within the batch row) + off0
  }
  const int N = g.batch * ncol;
  if (n0 >= N || m0 >= M) return;  // whole block
  const int cb = Cp / CM_BK, nsteps = nk * cb;
  const int sbeg = sp * chunk, send = min(nsteps, sbeg + chunk);
  const int KT = send > sbeg ? send - sbeg : 0;

  // A: rows of the z slice's [M][nkMax * Cp] matrix
  const size_t lda = (size_t)nkMax * Cp;
  const float *Az = Wp + (size_t)zs * M * lda;
  // B: this thread's fixed column and its signal rows
  const int bn = tid & (CM_BN - 1), brow = tid / CM_BN;  // rows brow + BROWS q
  const int n = n0 + bn;
  const bool nvalid = n < N;
  const int bb = nvalid ? n / ncol : 0, ti = nvalid ? n - bb * ncol : 0;
  const int base = MODE == 0 ? ti * g.stride + off0 : ti + off0;
  const float *inb = In + ((size_t)(bb * g.groups + grp) * C) * lin;

  auto load = [&](int step, int stage) {
    float *As = smem + stage * (SA + SB), *Bs = As + SA;
    const int j = step / cb, c0 = (step - j * cb) * CM_BK;
#pragma unroll
    for (int i = 0; i < CM_BM * CM_BK / 4 / NTH; i++) {
      const int id = tid + i * NTH, rr = id >> 3, cc = (id & 7) * 4;
      const bool ok = m0 + rr < M;
      cp_async16(As + rr * A_LD + cc, ok ? Az + (size_t)(m0 + rr) * lda + (size_t)step * CM_BK + cc : Wp, ok);
    }
    const int pos = base + j * tapD;
    const bool pok = nvalid && pos >= 0 && pos < lin;
    const float *src = inb + (size_t)(c0 + brow) * lin + pos;
#pragma unroll
    for (int q = 0; q < CM_BK / BROWS; q++) {
      const int c = c0 + brow + BROWS * q;
      const bool ok = pok && c < C;
      cp_async4(Bs + (brow + BROWS * q) * B_LD + bn, ok ? src + (size_t)(BROWS * q) * lin : In, ok);
    }
  };

  float acc[MT][NT][4];
#pragma unroll
  for (int i = 0; i < MT; i++)
#pragma unroll
    for (int j = 0; j < NT; j++)
#pragma unroll
      for (int q = 0; q < 4; q++) acc[i][j][q] = 0.f;

#pragma unroll
  for (int s = 0; s < CM_S - 1; s++) {
    if (s < KT) load(sbeg + s, s);
    cp_async_commit();
  }
  for (int kt = 0; kt < KT; kt++) {
    cp_async_wait<CM_S - 2>();
    __syncthreads();  // step kt has landed for every thread; everyone is done with step kt-1's stage
    if (kt + CM_S - 1 < KT) load(sbeg + kt + CM_S - 1, (kt + CM_S - 1) % CM_S);
    cp_async_commit();
    const float *As = smem + (kt % CM_S) * (SA + SB), *Bs = As + SA;
#pragma unroll
    for (int kk = 0; kk < CM_BK; kk += 8) {
      unsigned a[MT][4], b[NT][2];
#pragma unroll
      for (int i = 0; i < MT; i++)  // A already TF32-rounded by conv_mma_arrange
        ldsm_x4(a[i][0], a[i][1], a[i][2], a[i][3],
                As + (wm + i * 16 + (lane & 7) + ((lane >> 3) & 1) * 8) * A_LD + kk + (lane >> 4) * 4);
#pragma unroll
      for (int j = 0; j < NT; j++) {
        const int nn = wn + j * 8 + gq;
        b[j][0] = to_tf32(Bs[(kk + tq) * B_LD + nn]);
        b[j][1] = to_tf32(Bs[(kk + tq + 4) * B_LD + nn]);
      }
#pragma unroll
      for (int i = 0; i < MT; i++)
#pragma unroll
        for (int j = 0; j < NT; j++)
          asm volatile(
              "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
              : "+f"(acc[i][j][0]), "+f"(acc[i][j][1]), "+f"(acc[i][j][2]), "+f"(acc[i][j][3])
              : "r"(a[i][0]), "r"(a[i][1]), "r"(a[i][2]), "r"(a[i][3]), "r"(b[j][0]), "r"(b[j][1]));
    }
  }
  cp_async_wait<0>();

  // epilogue: accumulator (i, j, q) is row wm + 16 i + gq + 8 (q >> 1), column wn + 8 j + 2 tq + (q & 1)
  const bool atomic = splits > 1, addBias = bias != nullptr && sp == 0;
  long long coff[NT][2];  // output offset of each of this thread's columns (-1: outside)
#pragma unroll
  for (int j = 0; j < NT; j++)
#pragma unroll
    for (int e = 0; e < 2; e++) {
      const int nc = n0 + wn + j * 8 + 2 * tq + e;
      long long o = -1;
      if (nc < N) {
        const int b = nc / ncol, x = nc - b * ncol;
        const int p = MODE == 0 ? x : r + g.stride * (u0 + x) - g.pad;  // mode 1: u = u0 + x
        o = ((long long)(b * g.groups + grp) * M) * outLen + p;
      }
      coff[j][e] = o;
    }
#pragma unroll
  for (int i = 0; i < MT; i++)
#pragma unroll
    for (int h = 0; h < 2; h++) {
      const int m = m0 + wm + i * 16 + gq + 8 * h;
      if (m >= M) continue;
      const float bv = addBias ? bias[grp * M + m] : 0.f;
      const long long mo = (long long)m * outLen;
#pragma unroll
      for (int j = 0; j < NT; j++)
#pragma unroll
        for (int e = 0; e < 2; e++) {
          if (coff[j][e] < 0) continue;
          const float v = acc[i][j][2 * h + e] + bv;
          float *o = out + coff[j][e] + mo;
          if (atomic) atomicAdd(o, v);
          else *o = v;
        }
    }
}

// w8: 8 warps of 64 x 32 (the default); w4: 4 warps of 64 x 64 (matmul.cu's default layout)
#define CM_ENTRIES(SUF, WM_, WN_, MINB)                                                                                     \
  extern "C" __global__ void __launch_bounds__(32 * WM_ * WN_, MINB) conv_mma_gather_##SUF(                              \
      const float *Wp, const float *L, const float *bias, float *S, GEO_PARAMS, int nkMax, int Cp, int splits, int chunk) { \
    GEO_MAKE;                                                                                                              \
    conv_mma<0, WM_, WN_>(Wp, L, bias, S, g, nkMax, Cp, splits, chunk);                                                    \
  }                                                                                                                        \
  extern "C" __global__ void __launch_bounds__(32 * WM_ * WN_, MINB) conv_mma_scatter_##SUF(                             \
      const float *Wp, const float *S, const float *bias, float *L, GEO_PARAMS, int nkMax, int Cp, int splits, int chunk) { \
    GEO_MAKE;                                                                                                              \
    conv_mma<1, WM_, WN_>(Wp, S, bias, L, g, nkMax, Cp, splits, chunk);                                                    \
  }
CM_ENTRIES(w8, 2, 4, 2)
CM_ENTRIES(w4, 2, 2, 1)
