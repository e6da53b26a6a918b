// 1-d resampling and padding on the last dim of x viewed as [rows, in] (the engine's Resample.java, with
// PyTorch's float32 index rules), and cumsum along one dim (double accumulation, as the engine's).
// mode 0 nearest: src = min(floor(scale * j), in - 1)
// mode 1 linear (align_corners=False): real = max(fma(scale, j + 0.5, -0.5), 0), i0 = min(floor(real), in - 1),
//        i1 = i0 + (i0 < in - 1), l1 = clamp(real - i0, 0, 1); y = fma(x[i0], 1 - l1, x[i1] * l1); out == in copies
// mode 2 reflection pad (left): s = j - left mirrored at both ends
// mode 3 constant pad (left, fill): x[j - left] or fill (negative pads crop)
#include <cuda_runtime.h>

struct Src {
  int i0, i1;
  float w0, w1;
};

__device__ __forceinline__ Src source(int j, int in, int out, int mode, int left, float scale) {
  Src s = {-1, -1, 1.f, 0.f};
  if (mode == 0) {
    s.i0 = min((int)floorf(scale * (float)j), in - 1);
  } else if (mode == 1) {
    if (out == in) { s.i0 = j; s.i1 = j; return s; }
    float real = fmaf(scale, (float)j + 0.5f, -0.5f);
    if (real < 0.f) real = 0.f;
    const int a = min((int)floorf(real), in - 1);
    const float l1 = fminf(fmaxf(real - (float)a, 0.f), 1.f);
    s.i0 = a;
    s.i1 = a + (a < in - 1 ? 1 : 0);
    s.w0 = 1.f - l1;
    s.w1 = l1;
  } else if (mode == 2) {
    const int q = j - left;
    s.i0 = q < 0 ? -q : q >= in ? 2 * (in - 1) - q : q;
  } else {
    const int q = j - left;
    s.i0 = q < 0 || q >= in ? -1 : q;
  }
  return s;
}

extern "C" __global__ void resample_fwd(const float *x, float *y, long long rows, int in, int out, int mode, int left, float scale, float fill) {
  const long long n = rows * out;
  for (long long p = blockIdx.x * (long long)blockDim.x + threadIdx.x; p < n; p += (long long)gridDim.x * blockDim.x) {
    const long long r = p / out;
    const int j = p - r * out;
    const Src s = source(j, in, out, mode, left, scale);
    const float *xr = x + r * in;
    float v;
    if (s.i0 < 0) v = fill;
    else if (s.i1 < 0) v = xr[s.i0];
    else v = fmaf(xr[s.i0], s.w0, xr[s.i1] * s.w1);
    y[p] = v;
  }
}

// gx (zeroed by the caller) += the adjoint of resample_fwd.
extern "C" __global__ void resample_bwd(const float *g, float *gx, long long rows, int in, int out, int mode, int left, float scale) {
  const long long n = rows * out;
  for (long long p = blockIdx.x * (long long)blockDim.x + threadIdx.x; p < n; p += (long long)gridDim.x * blockDim.x) {
    const long long r = p / out;
    const int j = p - r * out;
    const Src s = source(j, in, out, mode, left, scale);
    if (s.i0 < 0) continue;
    float *gr = gx + r * in;
    const float gv = g[p];
    if (s.i1 < 0) atomicAdd(&gr[s.i0], gv);
    else {
      atomicAdd(&gr[s.i0], gv * s.w0);
      atomicAdd(&gr[s.i1], gv * s.w1);
    }
  }
}

// Inclusive prefix sums along a dim of length n (elements at base + t*inner): one warp per line, 32
// elements per step with a double carry. reverse: from the end (cumsum's backward).
extern "C" __global__ void cumsum_lines(const float *x, float *y, long long lines, int n, int inner, int reverse) {
  const int lane = threadIdx.x & 31;
  const long long warp = (blockIdx.x * (long long)blockDim.x + threadIdx.x) >> 5;
  const long long nwarps = ((long long)gridDim.x * blockDim.x) >> 5;
  for (long long line = warp; line < lines; line += nwarps) {
    const long long o = line / inner, i = line % inner;
    const size_t base = (size_t)o * n * inner + i;
    double carry = 0;
    for (int t0 = 0; t0 < n; t0 += 32) {
      const int t = t0 + lane;
      const size_t at = base + (size_t)(reverse ? n - 1 - t : t) * inner;
      double v = t < n ? (double)x[at] : 0.0;
      for (int d = 1; d < 32; d <<= 1) {
        const double u = __shfl_up_sync(0xffffffffu, v, d);
        if (lane >= d) v += u;
      }
      v += carry;
      if (t < n) y[at] = (float)v;
      carry = __shfl_sync(0xffffffffu, v, 31);
    }
  }
}
