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
