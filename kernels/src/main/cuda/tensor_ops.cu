// Generic tensor ops for the engine's device backend (dev.kokoro.cuda.CudaBackend): strided copies,
// broadcasting binary ops, unary math, reductions, softmax, row gather and a plain FP32 GEMM.
// Operands are views: a base pointer, an element offset and up to 6 (shape, stride) pairs, padded in
// front with size 1. Outputs of the pointwise kernels are contiguous unless a stride set is given.
#include <cuda_runtime.h>
#include <math.h>

struct Dims6 { int v[6]; };

#define GRID_LOOP(i, n) for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < (n); i += (long long)gridDim.x * blockDim.x)

// storage offset of row-major element i of a view with this shape and these strides; the view's nd coalesced
// dims sit at the end of the 6 (leading ones are 1). I is the index type: 32-bit when every index fits (integer
// division is the cost of these kernels, and a 64-bit one is several times a 32-bit one).
template <typename I>
__device__ __forceinline__ I at(I i, const Dims6 &shape, const Dims6 &st, int nd) {
  if (nd <= 1) return nd == 1 ? i * (I)st.v[5] : (I)0;
  I p = 0;
#pragma unroll
  for (int k = 5; k >= 0; k--) {
    if (k < 6 - nd) break;
    const I s = (I)shape.v[k];
    p += (i % s) * (I)st.v[k];
    i /= s;
  }
  return p;
}

template <typename I>
__device__ __forceinline__ void strided_copy_t(const float *__restrict__ src, int soff, Dims6 sst, float *__restrict__ dst, int doff,
                                               Dims6 dstst, Dims6 shape, int nd, I n) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x)
    dst[doff + at<I>(i, shape, dstst, nd)] = src[soff + at<I>(i, shape, sst, nd)];
}

extern "C" __global__ void strided_copy(const float *__restrict__ src, int soff, Dims6 sst, float *__restrict__ dst, int doff,
                                        Dims6 dstst, Dims6 shape, int nd, long long n) {
  strided_copy_t<long long>(src, soff, sst, dst, doff, dstst, shape, nd, n);
}
extern "C" __global__ void strided_copy32(const float *__restrict__ src, int soff, Dims6 sst, float *__restrict__ dst, int doff,
                                          Dims6 dstst, Dims6 shape, int nd, long long n) {
  strided_copy_t<unsigned>(src, soff, sst, dst, doff, dstst, shape, nd, (unsigned)n);
}

// out[i] = a[..] op b[..] with broadcast strides (0 along broadcast dims); out contiguous
template <typename I>
__device__ __forceinline__ void binary_op_t(int op, const float *__restrict__ a, int aoff, Dims6 ast, const float *__restrict__ b,
                                            int boff, Dims6 bst, float *__restrict__ out, Dims6 shape, int nd, I n) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    float x = a[aoff + at<I>(i, shape, ast, nd)], y = b[boff + at<I>(i, shape, bst, nd)];
    float r;
    switch (op) {
      case 0: r = x + y; break;
      case 1: r = x - y; break;
      case 2: r = x * y; break;
      case 3: r = x / y; break;
      default: r = atan2f(x, y); break;                            // atan2(a, b)
    }
    out[i] = r;
  }
}

extern "C" __global__ void binary_op(int op, const float *__restrict__ a, int aoff, Dims6 ast, const float *__restrict__ b, int boff,
                                     Dims6 bst, float *__restrict__ out, Dims6 shape, int nd, long long n) {
  binary_op_t<long long>(op, a, aoff, ast, b, boff, bst, out, shape, nd, n);
}
extern "C" __global__ void binary_op32(int op, const float *__restrict__ a, int aoff, Dims6 ast, const float *__restrict__ b, int boff,
                                       Dims6 bst, float *__restrict__ out, Dims6 shape, int nd, long long n) {
  binary_op_t<unsigned>(op, a, aoff, ast, b, boff, bst, out, shape, nd, (unsigned)n);
}

__device__ __forceinline__ float sigm(float x) { return 1.f / (1.f + expf(-x)); }

template <typename I>
__device__ __forceinline__ void unary_op_t(int op, const float *__restrict__ x, int xoff, Dims6 xst, float *__restrict__ out, Dims6 shape,
                                           int nd, I n, float p0, float p1) {
  for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < n; i += (I)gridDim.x * blockDim.x) {
    float v = x[xoff + at<I>(i, shape, xst, nd)], r;
    switch (op) {
      case 0: r = v + p0; break;                                   // add_scalar
      case 1: r = v * p0; break;                                   // mul_scalar
      case 2: r = powf(v, p0); break;                              // pow
      case 3: r = expf(v); break;
      case 4: r = logf(v); break;
      case 5: r = sinf(v); break;
      case 6: r = cosf(v); break;
      case 7: r = sqrtf(v); break;
      case 8: r = fabsf(v); break;
      case 9: r = v * v; break;                                    // square
      case 10: r = tanhf(v); break;
      case 11: r = sigm(v); break;
      case 12: r = v > 0.f ? v : 0.f; break;                       // relu
      case 13: r = v > 0.f ? v : v * p0; break;                    // leaky relu
      case 14: r = 0.5f * v * (1.f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v))); break;  // gelu (tanh form)
      case 15: r = v * sigm(v); break;                             // silu
      case 16: r = v > 20.f ? v : log1pf(expf(v)); break;          // softplus, threshold 20
      case 17: r = fminf(fmaxf(v, p0), p1); break;                 // clamp
      case 18: r = rintf(v); break;                                // round half to even
      case 19: r = floorf(v); break;
      case 20: r = v > p0 ? 1.f : 0.f; break;                      // step
      default: r = v; break;                                       // copy
    }
    out[i] = r;
  }
}

extern "C" __global__ void unary_op(int op, const float *__restrict__ x, int xoff, Dims6 xst, float *__restrict__ out, Dims6 shape,
                                    int nd, long long n, float p0, float p1) {
  unary_op_t<long long>(op, x, xoff, xst, out, shape, nd, n, p0, p1);
}
extern "C" __global__ void unary_op32(int op, const float *__restrict__ x, int xoff, Dims6 xst, float *__restrict__ out, Dims6 shape,
                                      int nd, long long n, float p0, float p1) {
  unary_op_t<unsigned>(op, x, xoff, xst, out, shape, nd, (unsigned)n, p0, p1);
}

// out[r] = sum of the n contiguous values of row r; one block per row
extern "C" __global__ void sum_rows(const float *__restrict__ x, float *__restrict__ out, int rows, int n) {
  __shared__ float part[32];
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    const float *row = x + (long long)r * n;
    float s = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) s += row[j];
    for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xffffffff, s, o);
    if ((threadIdx.x & 31) == 0) part[threadIdx.x >> 5] = s;
    __syncthreads();
    if (threadIdx.x < 32) {
      s = threadIdx.x < (blockDim.x >> 5) ? part[threadIdx.x] : 0.f;
      for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xffffffff, s, o);
      if (threadIdx.x == 0) out[r] = s;
    }
    __syncthreads();
  }
}

// x [rows, n] → part [rows, chunks]: block (c, r) sums row r's elements c·len .. (c+1)·len − 1 (long rows of
// few rows: the first pass of a two-pass sum, so a whole-tensor sum uses the whole GPU)
extern "C" __global__ void sum_rows_partial(const float *__restrict__ x, float *__restrict__ part, int n, int len, int chunks) {
  __shared__ float red[32];
  int c = blockIdx.x, r = blockIdx.y;
  const float *row = x + (long long)r * n;
  int lo = c * len, hi = min(n, lo + len);
  float s = 0.f;
  for (int j = lo + threadIdx.x; j < hi; j += blockDim.x) s += row[j];
  for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xffffffff, s, o);
  if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = s;
  __syncthreads();
  if (threadIdx.x < 32) {
    s = threadIdx.x < (blockDim.x >> 5) ? red[threadIdx.x] : 0.f;
    for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xffffffff, s, o);
    if (threadIdx.x == 0) part[(long long)r * chunks + c] = s;
  }
}

// x [outer, n, inner] contiguous → out [outer, inner]: sum over the middle dim, one thread per output
extern "C" __global__ void sum_mid(const float *__restrict__ x, float *__restrict__ out, int outer, int n, int inner) {
  GRID_LOOP(p, (long long)outer * inner) {
    long long o = p / inner, i = p % inner;
    const float *base = x + o * (long long)n * inner + i;
    float s = 0.f;
    for (int j = 0; j < n; j++) s += base[(long long)j * inner];
    out[p] = s;
  }
}

// softmax over contiguous rows of n; one block per row
extern "C" __global__ void softmax_rows(const float *__restrict__ x, float *__restrict__ y, int rows, int n) {
  __shared__ float part[32];
  __shared__ float bcast;
  for (int r = blockIdx.x; r < rows; r += gridDim.x) {
    const float *row = x + (long long)r * n;
    float *yr = y + (long long)r * n;
    float m = -INFINITY;
    for (int j = threadIdx.x; j < n; j += blockDim.x) m = fmaxf(m, row[j]);
    for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_down_sync(0xffffffff, m, o));
    if ((threadIdx.x & 31) == 0) part[threadIdx.x >> 5] = m;
    __syncthreads();
    if (threadIdx.x < 32) {
      m = threadIdx.x < (blockDim.x >> 5) ? part[threadIdx.x] : -INFINITY;
      for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_down_sync(0xffffffff, m, o));
      if (threadIdx.x == 0) bcast = m;
    }
    __syncthreads();
    m = bcast;
    __syncthreads();
    float s = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
      float e = expf(row[j] - m);
      yr[j] = e;
      s += e;
    }
    for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xffffffff, s, o);
    if ((threadIdx.x & 31) == 0) part[threadIdx.x >> 5] = s;
    __syncthreads();
    if (threadIdx.x < 32) {
      s = threadIdx.x < (blockDim.x >> 5) ? part[threadIdx.x] : 0.f;
      for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xffffffff, s, o);
      if (threadIdx.x == 0) bcast = 1.f / s;
    }
    __syncthreads();
    float inv = bcast;
    for (int j = threadIdx.x; j < n; j += blockDim.x) yr[j] *= inv;
    __syncthreads();
  }
}

// out[i, :] = w[ids[i], :] (ids checked on the host)
extern "C" __global__ void gather_rows(const float *__restrict__ w, const int *__restrict__ ids, float *__restrict__ out, int nIds, int d) {
  GRID_LOOP(p, (long long)nIds * d) {
    long long i = p / d, j = p % d;
    out[p] = w[(long long)ids[i] * d + j];
  }
}

// C = alpha op(A) op(B) + beta C in full FP32 (PyTorch's default for matmul: no TF32), batched over
// blockIdx.z with element strides sA, sB, sC (0 broadcasts an operand). Row-major; transA: A stored [K, M];
// transB: B stored [N, K]. 16x16 tiles through shared memory, one output per thread. The first FP32 GEMM:
// TensorOpsCuda.sgemm now runs matmul.cu's 3xTF32 mm3 kernels; this one stays for -Dkokoro.sgemm.kernel=simt.
#define TS 16
extern "C" __global__ void sgemm_f32(const float *__restrict__ A, const float *__restrict__ B, float *__restrict__ C, int M, int N, int K,
                                     int transA, int transB, long long sA, long long sB, long long sC, float alpha, float beta) {
  __shared__ float As[TS][TS + 1], Bs[TS][TS + 1];
  const float *a = A + blockIdx.z * sA, *b = B + blockIdx.z * sB;
  float *c = C + blockIdx.z * sC;
  int row = blockIdx.y * TS + threadIdx.y, col = blockIdx.x * TS + threadIdx.x;
  float acc = 0.f;
  for (int k0 = 0; k0 < K; k0 += TS) {
    int ka = k0 + threadIdx.x;   // A tile: row, k
    As[threadIdx.y][threadIdx.x] = (row < M && ka < K) ? (transA ? a[(long long)ka * M + row] : a[(long long)row * K + ka]) : 0.f;
    int kb = k0 + threadIdx.y;   // B tile: k, col
    Bs[threadIdx.y][threadIdx.x] = (kb < K && col < N) ? (transB ? b[(long long)col * K + kb] : b[(long long)kb * N + col]) : 0.f;
    __syncthreads();
#pragma unroll
    for (int k = 0; k < TS; k++) acc += As[threadIdx.y][k] * Bs[k][threadIdx.x];
    __syncthreads();
  }
  if (row < M && col < N) {
    long long o = (long long)row * N + col;
    c[o] = beta == 0.f ? alpha * acc : alpha * acc + beta * c[o];
  }
}
