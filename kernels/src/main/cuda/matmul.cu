// Batched C = alpha * op(A) op(B) + beta * C on TF32 tensor cores (wmma m16n16k8, FP32 accumulate).
// Row-major: op(A) is [M, K] (A stored [M, K], or [K, M] when transA), op(B) is [K, N] (B stored
// [K, N], or [N, K] when transB), C is [M, N]. blockIdx.z walks the batch with element strides sA, sB, sC
// (0 broadcasts). Block tile 64x64x16, 4 warps of 32x32.
#include <cuda_runtime.h>
#include <mma.h>
using namespace nvcuda;

#define BM 64
#define BN 64
#define BK 16
#define APAD 4
#define BPAD 4
#define CPAD 4

extern "C" __global__ void __launch_bounds__(128)
matmul_tf32(const float *A, const float *B, float *C, int M, int N, int K, int transA, int transB,
            long long sA, long long sB, long long sC, float alpha, float beta) {
  __shared__ __align__(32) float As[BM][BK + APAD];
  __shared__ __align__(32) float Bs[BK][BN + BPAD];
  __shared__ __align__(32) float Cs[BM][BN + CPAD];
  const int tid = threadIdx.x, warp = tid >> 5;
  const int wm = (warp >> 1) * 32, wn = (warp & 1) * 32;
  const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
  A += blockIdx.z * sA; B += blockIdx.z * sB; C += blockIdx.z * sC;

  wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2][2];
#pragma unroll
  for (int i = 0; i < 2; i++)
#pragma unroll
    for (int j = 0; j < 2; j++) wmma::fill_fragment(acc[i][j], 0.f);

  for (int k0 = 0; k0 < K; k0 += BK) {
#pragma unroll
    for (int t = 0; t < (BM * BK) / 128; t++) {
      const int idx = tid + t * 128;
      int r, c;
      if (!transA) { r = idx / BK; c = idx % BK; } else { c = idx / BM; r = idx % BM; }
      const int m = m0 + r, k = k0 + c;
      float v = 0.f;
      if (m < M && k < K) v = transA ? A[(size_t)k * M + m] : A[(size_t)m * K + k];
      As[r][c] = wmma::__float_to_tf32(v);
    }
#pragma unroll
    for (int t = 0; t < (BK * BN) / 128; t++) {
      const int idx = tid + t * 128;
      int r, c;
      if (!transB) { r = idx / BN; c = idx % BN; } else { c = idx / BK; r = idx % BK; }
      const int k = k0 + r, n = n0 + c;
      float v = 0.f;
      if (k < K && n < N) v = transB ? B[(size_t)n * K + k] : B[(size_t)k * N + n];
      Bs[r][c] = wmma::__float_to_tf32(v);
    }
    __syncthreads();
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
  for (int idx = tid; idx < BM * BN; idx += 128) {
    const int r = idx / BN, c = idx % BN, m = m0 + r, n = n0 + c;
    if (m < M && n < N) {
      const size_t o = (size_t)m * N + n;
      float v = alpha * Cs[r][c];
      if (beta != 0.f) v += beta * C[o];
      C[o] = v;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// mm2: mma.sync m16n8k8 TF32 (operands rounded to nearest TF32, FP32 accumulate), block tile
// BM x BN x 32 over WM_ x WN_ warps, an S-stage cp.async shared-memory pipeline (one barrier per K step).
// Each operand tile is kept in shared memory in its global layout: "K-contiguous" (A plain, B transB)
// as [BMN][32 + 4], "MN-contiguous" (A transA, B plain) as [32][BMN + 8]; the padding makes every
// fragment load (lane = 4 g + t reads (mn = g, k = t)) hit 32 distinct banks. VEC: every leading
// dimension and batch stride of A and B is a multiple of 4 floats, so tiles move in 16-byte cp.async
// chunks (zero-filled past the edges); otherwise 4-byte cp.async per element. Arguments as matmul_tf32
// without the transpose flags (they select the entry point), plus the split-K pair (splits, kChunk): with
// splits > 1, C is a workspace [batch * splits][M][N] of partial sums (beta = 0) that mm2_splitk_reduce
// adds up into the real C; with splits = 1, kChunk >= K.
//
// X = 3 (entry points mm3_*): FP32-accurate "3xTF32". Each operand x is split into big = tf32(x) (nearest)
// and small = tf32(x - big) (x - big is exact in FP32), and acc += a_small b_big + a_big b_small + a_big b_big
// (small terms first) into a fresh accumulator per k step of 8, added to the running sum with FP32 adds (see
// the loop); the dropped a_small b_small is ~2^-22 of a product, so the result is about as accurate as an
// FP32 FFMA loop (CUTLASS's "3xTF32 fast accurate" split), at three tensor-core products per step.
#undef BM
#undef BN
#undef BK
#define V2_BK 32

__device__ __forceinline__ void cp_async16(float *smem, const float *g, bool pred) {
  const unsigned s = (unsigned)__cvta_generic_to_shared(smem);
  const int n = pred ? 16 : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(g), "r"(n));
}
__device__ __forceinline__ void cp_async4(float *smem, const float *g, bool pred) {
  const unsigned s = (unsigned)__cvta_generic_to_shared(smem);
  const int n = pred ? 4 : 0;
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(s), "l"(g), "r"(n));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N> __device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }
// Round to TF32 (nearest, ties away, like cvt.rna) by adding half a TF32 ulp to the bits: the tensor cores
// ignore the 13 low mantissa bits. One integer add instead of cvt.rna's three instructions; +-inf turn into
// NaN (the only difference).
__device__ __forceinline__ unsigned tf32_round(unsigned bits) { return bits + 0x1000u; }
__device__ __forceinline__ unsigned to_tf32(float x) { return tf32_round(__float_as_uint(x)); }
// 3xTF32 split of raw FP32 bits: big = x rounded to TF32 (low 13 bits cleared), small = tf32(x - big).
__device__ __forceinline__ void split_tf32(unsigned bits, unsigned &big, unsigned &small) {
  big = tf32_round(bits) & 0xffffe000u;
  small = to_tf32(__uint_as_float(bits) - __uint_as_float(big));
}
__device__ __forceinline__ void ldsm_x4(unsigned &r0, unsigned &r1, unsigned &r2, unsigned &r3, const float *p) {
  const unsigned s = (unsigned)__cvta_generic_to_shared(p);
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3) : "r"(s));
}

template <int BMN> struct V2Tile {
  static constexpr int KC_LD = V2_BK + 4, MC_LD = BMN + 8;
  static constexpr int FLOATS = (BMN * KC_LD > V2_BK * MC_LD) ? BMN * KC_LD : V2_BK * MC_LD;
};

// One BMN x 32 tile of an operand into shared memory. KC: element (mn, k) is X[mn * ld + k]; else X[k * ld + mn].
template <int BMN, int NTH, bool KC, bool VEC>
__device__ __forceinline__ void v2_load(float *s, const float *X, int MN, int K, long long ld, int mn0, int k0, int tid) {
  if (VEC) {
    if (KC) {
      constexpr int CH = V2_BK / 4;
#pragma unroll
      for (int i = 0; i < BMN * CH / NTH; i++) {
        const int id = tid + i * NTH, r = id / CH, c = (id % CH) * 4;
        const bool ok = mn0 + r < MN && k0 + c < K;
        cp_async16(s + r * V2Tile<BMN>::KC_LD + c, ok ? X + (size_t)(mn0 + r) * ld + k0 + c : X, ok);
      }
    } else {
      constexpr int CH = BMN / 4;
#pragma unroll
      for (int i = 0; i < V2_BK * CH / NTH; i++) {
        const int id = tid + i * NTH, r = id / CH, c = (id % CH) * 4;
        const bool ok = k0 + r < K && mn0 + c < MN;
        cp_async16(s + r * V2Tile<BMN>::MC_LD + c, ok ? X + (size_t)(k0 + r) * ld + mn0 + c : X, ok);
      }
    }
  } else {
    if (KC) {
#pragma unroll 4
      for (int i = 0; i < BMN * V2_BK / NTH; i++) {
        const int id = tid + i * NTH, r = id / V2_BK, c = id % V2_BK;
        const bool ok = mn0 + r < MN && k0 + c < K;
        cp_async4(s + r * V2Tile<BMN>::KC_LD + c, ok ? X + (size_t)(mn0 + r) * ld + k0 + c : X, ok);
      }
    } else {
#pragma unroll 4
      for (int i = 0; i < BMN * V2_BK / NTH; i++) {
        const int id = tid + i * NTH, r = id / BMN, c = id % BMN;
        const bool ok = k0 + r < K && mn0 + c < MN;
        cp_async4(s + r * V2Tile<BMN>::MC_LD + c, ok ? X + (size_t)(k0 + r) * ld + mn0 + c : X, ok);
      }
    }
  }
}

template <int BMN, bool KC> __device__ __forceinline__ float v2_at(const float *s, int mn, int k) {
  return KC ? s[mn * V2Tile<BMN>::KC_LD + k] : s[k * V2Tile<BMN>::MC_LD + mn];
}

__device__ __forceinline__ void mma_tf32(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
  asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

template <int BM, int BN, int WM_, int WN_, int S, bool LDSM, bool TA, bool TB, bool VEC, int X>
__device__ __forceinline__ void v2_gemm(const float *A, const float *B, float *C, int M, int N, int K,
                                        long long sA, long long sB, long long sC, float alpha, float beta,
                                        int splits, int kChunk) {
  constexpr bool KCA = !TA, KCB = TB;
  constexpr int NTH = 32 * WM_ * WN_;
  constexpr int SA = V2Tile<BM>::FLOATS, SB = V2Tile<BN>::FLOATS;
  constexpr int WM = BM / WM_, WN = BN / WN_, MT = WM / 16, NT = WN / 8;
  extern __shared__ float4 v2_smem4[];
  float *smem = reinterpret_cast<float *>(v2_smem4);
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, t = lane & 3;
  const int wm = (warp / WN_) * WM, wn = (warp % WN_) * WN;
  const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
  // split K: blockIdx.z = batch item * splits + part; part p sums k in [p kChunk, min(K, (p + 1) kChunk))
  const int bz = blockIdx.z / splits, part = blockIdx.z - bz * splits;
  A += bz * sA; B += bz * sB; C += blockIdx.z * sC;
  const long long lda = TA ? M : K, ldb = TB ? K : N;
  const int kBeg = part * kChunk, kEnd = min(K, kBeg + kChunk);
  const int KT = (kEnd - kBeg + V2_BK - 1) / V2_BK;

  float acc[MT][NT][4];
#pragma unroll
  for (int i = 0; i < MT; i++)
#pragma unroll
    for (int j = 0; j < NT; j++)
#pragma unroll
      for (int q = 0; q < 4; q++) acc[i][j][q] = 0.f;

#pragma unroll
  for (int s = 0; s < S - 1; s++) {
    if (s < KT) {
      v2_load<BM, NTH, KCA, VEC>(smem + s * (SA + SB), A, M, kEnd, lda, m0, kBeg + s * V2_BK, tid);
      v2_load<BN, NTH, KCB, VEC>(smem + s * (SA + SB) + SA, B, N, kEnd, ldb, n0, kBeg + s * V2_BK, tid);
    }
    cp_async_commit();
  }
  for (int kt = 0; kt < KT; kt++) {
    cp_async_wait<S - 2>();
    __syncthreads();  // tile kt has landed for every thread; everyone is done with tile kt-1's stage
    {
      const int nk = kt + S - 1;
      if (nk < KT) {
        float *st = smem + (nk % S) * (SA + SB);
        v2_load<BM, NTH, KCA, VEC>(st, A, M, kEnd, lda, m0, kBeg + nk * V2_BK, tid);
        v2_load<BN, NTH, KCB, VEC>(st + SA, B, N, kEnd, ldb, n0, kBeg + nk * V2_BK, tid);
      }
      cp_async_commit();
    }
    const float *As = smem + (kt % S) * (SA + SB), *Bs = As + SA;
    // (3xTF32 with 64 x 64 warp tiles: not unrolled, which keeps it at 255 registers with a few bytes of spills)
#pragma unroll(X == 1 || WM * WN < 4096 ? 4 : 1)
    for (int kk = 0; kk < V2_BK; kk += 8) {
      // raw FP32 bits of the fragments; LDSM: a K-contiguous tile gives its fragments through ldmatrix (b16 8x8 =
      // float 8x4: lane 4g+t gets (row g, col t) of each of the four matrices); an MN-contiguous one through single loads
      unsigned a[MT][4], b[NT][2];
#pragma unroll
      for (int i = 0; i < MT; i++) {
        const int m = wm + i * 16 + g;
        if (LDSM && KCA) {
          ldsm_x4(a[i][0], a[i][1], a[i][2], a[i][3],
                  As + (wm + i * 16 + (lane & 7) + ((lane >> 3) & 1) * 8) * V2Tile<BM>::KC_LD + kk + (lane >> 4) * 4);
        } else {
          a[i][0] = __float_as_uint(v2_at<BM, KCA>(As, m, kk + t));
          a[i][1] = __float_as_uint(v2_at<BM, KCA>(As, m + 8, kk + t));
          a[i][2] = __float_as_uint(v2_at<BM, KCA>(As, m, kk + t + 4));
          a[i][3] = __float_as_uint(v2_at<BM, KCA>(As, m + 8, kk + t + 4));
        }
      }
      if (LDSM && KCB) {
#pragma unroll
        for (int j = 0; j < NT; j += 2)
          ldsm_x4(b[j][0], b[j][1], b[j + 1][0], b[j + 1][1],
                  Bs + (wn + (j + (lane >> 4)) * 8 + (lane & 7)) * V2Tile<BN>::KC_LD + kk + ((lane >> 3) & 1) * 4);
      } else {
#pragma unroll
        for (int j = 0; j < NT; j++) {
          const int n = wn + j * 8 + g;
          b[j][0] = __float_as_uint(v2_at<BN, KCB>(Bs, n, kk + t));
          b[j][1] = __float_as_uint(v2_at<BN, KCB>(Bs, n, kk + t + 4));
        }
      }
      if (X == 1) {
#pragma unroll
        for (int i = 0; i < MT; i++)
#pragma unroll
          for (int q = 0; q < 4; q++) a[i][q] = tf32_round(a[i][q]);
#pragma unroll
        for (int j = 0; j < NT; j++)
#pragma unroll
          for (int q = 0; q < 2; q++) b[j][q] = tf32_round(b[j][q]);
#pragma unroll
        for (int i = 0; i < MT; i++)
#pragma unroll
          for (int j = 0; j < NT; j++) mma_tf32(acc[i][j], a[i], b[j]);
      } else {
        // the three products of this k step go into a fresh t, then acc += t in ordinary FP32 adds (round to
        // nearest): the tensor cores' own FP32 accumulation rounds toward zero, an error that grows with K when it
        // is relative to the whole sum (measured on an H100: 2.9e-5 at K 4096, vs 1.1e-6 for an FFMA loop), but
        // here stays relative to an 8-term partial sum. One column of tiles (j) at a time keeps t at MT x 4
        // registers; each pass over i puts MT independent products between two that depend on each other.
        unsigned as[MT][4];
#pragma unroll
        for (int i = 0; i < MT; i++)
#pragma unroll
          for (int q = 0; q < 4; q++) split_tf32(a[i][q], a[i][q], as[i][q]);
#pragma unroll
        for (int j = 0; j < NT; j++) {
          unsigned bs[2];
          split_tf32(b[j][0], b[j][0], bs[0]);
          split_tf32(b[j][1], b[j][1], bs[1]);
          float t[MT][4];
#pragma unroll
          for (int i = 0; i < MT; i++)
#pragma unroll
            for (int q = 0; q < 4; q++) t[i][q] = 0.f;
#pragma unroll
          for (int i = 0; i < MT; i++) mma_tf32(t[i], as[i], b[j]);
#pragma unroll
          for (int i = 0; i < MT; i++) mma_tf32(t[i], a[i], bs);
#pragma unroll
          for (int i = 0; i < MT; i++) mma_tf32(t[i], a[i], b[j]);
#pragma unroll
          for (int i = 0; i < MT; i++)
#pragma unroll
            for (int q = 0; q < 4; q++) acc[i][j][q] += t[i][q];
        }
      }
    }
  }
  cp_async_wait<0>();

  // accumulator (i, j, q): row wm + 16 i + g + 8 (q >> 1), column wn + 8 j + 2 t + (q & 1)
#pragma unroll
  for (int i = 0; i < MT; i++)
#pragma unroll
    for (int h = 0; h < 2; h++) {
      const int m = m0 + wm + i * 16 + g + 8 * h;
      if (m >= M) continue;
      float *Crow = C + (size_t)m * N;
#pragma unroll
      for (int j = 0; j < NT; j++)
#pragma unroll
        for (int e = 0; e < 2; e++) {
          const int n = n0 + wn + j * 8 + 2 * t + e;
          if (n < N) {
            float v = alpha * acc[i][j][2 * h + e];
            if (beta != 0.f) v += beta * Crow[n];
            Crow[n] = v;
          }
        }
    }
}

// Entry points mm2_<config>_<tA tB>_<v|s>; MatmulCuda.java holds the same table (tile, warps, stages -> shared memory).
#define V2_ENTRY(P, X, CFG, BM, BN, WM_, WN_, S, L, TA, TB, VEC, SUF)                                      \
  extern "C" __global__ void __launch_bounds__(32 * WM_ * WN_) P##_##CFG##_##SUF(                        \
      const float *A, const float *B, float *C, int M, int N, int K, long long sA, long long sB,         \
      long long sC, float alpha, float beta, int splits, int kChunk) {                                    \
    v2_gemm<BM, BN, WM_, WN_, S, L, TA, TB, VEC, X>(A, B, C, M, N, K, sA, sB, sC, alpha, beta, splits, kChunk); \
  }
#define V2_ENTRIES_P(P, X, CFG, BM, BN, WM_, WN_, S, L)                                                     \
  V2_ENTRY(P, X, CFG, BM, BN, WM_, WN_, S, L, false, false, true, nn_v)                                     \
  V2_ENTRY(P, X, CFG, BM, BN, WM_, WN_, S, L, false, true, true, nt_v)                                      \
  V2_ENTRY(P, X, CFG, BM, BN, WM_, WN_, S, L, true, false, true, tn_v)                                      \
  V2_ENTRY(P, X, CFG, BM, BN, WM_, WN_, S, L, true, true, true, tt_v)                                       \
  V2_ENTRY(P, X, CFG, BM, BN, WM_, WN_, S, L, false, false, false, nn_s)                                    \
  V2_ENTRY(P, X, CFG, BM, BN, WM_, WN_, S, L, false, true, false, nt_s)                                     \
  V2_ENTRY(P, X, CFG, BM, BN, WM_, WN_, S, L, true, false, false, tn_s)                                     \
  V2_ENTRY(P, X, CFG, BM, BN, WM_, WN_, S, L, true, true, false, tt_s)
#define V2_ENTRIES(CFG, BM, BN, WM_, WN_, S, L) V2_ENTRIES_P(mm2, 1, CFG, BM, BN, WM_, WN_, S, L)
#define V3_ENTRIES(CFG, BM, BN, WM_, WN_, S, L) V2_ENTRIES_P(mm3, 3, CFG, BM, BN, WM_, WN_, S, L)
V2_ENTRIES(128, 128, 128, 2, 2, 3, true)     // 4 warps of 64 x 64, 108 KB: two blocks per H100 multiprocessor
V2_ENTRIES(128lds, 128, 128, 2, 2, 3, false) // the same with single-word fragment loads only (no ldmatrix)
V2_ENTRIES(128w8, 128, 128, 2, 4, 3, true)   // 8 warps of 64 x 32
V2_ENTRIES(256, 128, 256, 2, 4, 3, true)     // 8 warps of 64 x 64, 162 KB: one block per multiprocessor
V2_ENTRIES(64, 64, 64, 2, 2, 4, true)        // 4 warps of 32 x 32, 72 KB
V2_ENTRIES(256s4, 128, 256, 2, 4, 4, true)  // 128 x 256 with 4 stages, 216 KB (experiment: fewer L2 bytes per flop)
V2_ENTRIES(256t, 256, 128, 4, 2, 4, true)   // 256 x 128, 8 warps of 64 x 64, 4 stages, 216 KB (experiment)
// 3xTF32 (FP32-accurate) entry points mm3_<config>_<tA tB>_<v|s>; MatmulCuda.F32_CONFIGS holds the same table
V3_ENTRIES(128, 128, 128, 2, 2, 3, true)     // 4 warps of 64 x 64 (255 registers, small spills)
V3_ENTRIES(128w8, 128, 128, 2, 4, 3, true)   // 8 warps of 64 x 32, one block per multiprocessor (registers)
V3_ENTRIES(128x64, 128, 64, 2, 2, 3, true)   // 4 warps of 64 x 32, 81 KB: two blocks per multiprocessor
V3_ENTRIES(64, 64, 64, 2, 2, 4, true)        // 4 warps of 32 x 32
V3_ENTRIES(32, 32, 64, 1, 2, 4, true)        // 2 warps of 32 x 32 (few rows: more blocks)

// C[b][i] = sum_p W[b * splits + p][i] + beta C[b][i] over i < MN (C matrices sC apart; beta = 0 never reads C).
extern "C" __global__ void mm2_splitk_reduce(const float *W, float *C, long long MN, int batch, int splits,
                                             long long sC, float beta) {
  const long long total = MN * batch;
  for (long long x = blockIdx.x * (long long)blockDim.x + threadIdx.x; x < total; x += (long long)gridDim.x * blockDim.x) {
    const long long b = x / MN, i = x - b * MN;
    const float *w = W + b * splits * MN + i;
    float s = 0.f;
    for (int p = 0; p < splits; p++) s += w[p * MN];
    float *c = C + b * sC + i;
    *c = beta != 0.f ? s + beta * *c : s;
  }
}
