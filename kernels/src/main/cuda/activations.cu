// Snake (Kokoro's AdaINResBlock1 / the engine's Activations.snake): y = x + sin^2(a x) / a with a = alpha[c]
// per (b, c) row of x [B, C, T]; no epsilon on alpha (as Kokoro and the engine).
#include <cuda_runtime.h>

extern "C" __global__ void snake_fwd(const float *x, const float *alpha, float *y, long long n, int C, int T) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    // the channel in 32-bit integer division whenever it fits (a 64-bit one costs several times as much)
    const long long ch = n <= 0xffffffffLL ? (long long)(((unsigned)i / (unsigned)T) % (unsigned)C) : (i / T) % C;
    const float a = alpha[ch], inv = 1.f / a, v = x[i];
    const float s = sinf(a * v);
    y[i] = v + s * s * inv;
  }
}

// dx = g (1 + sin 2ax); dalpha[c] += sum g (x sin(2ax) / a - sin^2(ax) / a^2). Grid (rows, chunks of T);
// each block sums its chunk in double and adds it into dalpha (zeroed by the caller).
extern "C" __global__ void snake_bwd(const float *x, const float *g, const float *alpha, float *dx, float *dalpha, int C, int T, int chunk) {
  __shared__ double sh[32];
  const int row = blockIdx.x, c = row % C;
  const int t0 = blockIdx.y * chunk, t1 = min(T, t0 + chunk);
  const float a = alpha[c], inv = 1.f / a, inv2 = inv * inv;
  const size_t base = (size_t)row * T;
  double acc = 0;
  for (int t = t0 + threadIdx.x; t < t1; t += blockDim.x) {
    const float v = x[base + t], gv = g[base + t];
    const float s = sinf(a * v), s2 = sinf(2.f * a * v);
    if (dx) dx[base + t] = gv * (1.f + s2);
    acc += (double)gv * ((double)v * s2 * inv - (double)s * s * inv2);
  }
  if (!dalpha) return;
  for (int o = 16; o > 0; o >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, o);
  if ((threadIdx.x & 31) == 0) sh[threadIdx.x >> 5] = acc;
  __syncthreads();
  if (threadIdx.x == 0) {
    double s = 0;
    for (int i = 0; i < (int)(blockDim.x >> 5); i++) s += sh[i];
    atomicAdd(&dalpha[c], (float)s);
  }
}
