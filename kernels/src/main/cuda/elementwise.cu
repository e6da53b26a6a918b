// Elementwise ops over n floats (grid-stride) and AdamW (PyTorch's torch.optim.AdamW update).
#include <cuda_runtime.h>

#define GRID_LOOP(i, n) for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n); i += (size_t)gridDim.x * blockDim.x)

__device__ __forceinline__ float sigm(float x) { return 1.f / (1.f + expf(-x)); }

extern "C" __global__ void ew_silu(const float *x, float *y, size_t n) { GRID_LOOP(i, n) { float v = x[i]; y[i] = v * sigm(v); } }
extern "C" __global__ void ew_silu_bwd(const float *x, const float *g, float *dx, size_t n) {
  GRID_LOOP(i, n) { float v = x[i], s = sigm(v); dx[i] = g[i] * s * (1.f + v * (1.f - s)); }
}
// softplus with PyTorch's default threshold 20 (beta 1)
extern "C" __global__ void ew_softplus(const float *x, float *y, size_t n) {
  GRID_LOOP(i, n) { float v = x[i]; y[i] = v > 20.f ? v : log1pf(expf(v)); }
}
extern "C" __global__ void ew_softplus_bwd(const float *x, const float *g, float *dx, size_t n) {
  GRID_LOOP(i, n) { float v = x[i]; dx[i] = v > 20.f ? g[i] : g[i] * sigm(v); }
}
extern "C" __global__ void ew_sigmoid(const float *x, float *y, size_t n) { GRID_LOOP(i, n) y[i] = sigm(x[i]); }
// from the output y = sigmoid(x)
extern "C" __global__ void ew_sigmoid_bwd(const float *y, const float *g, float *dx, size_t n) {
  GRID_LOOP(i, n) { float s = y[i]; dx[i] = g[i] * s * (1.f - s); }
}
extern "C" __global__ void ew_add(const float *a, const float *b, float *y, size_t n) { GRID_LOOP(i, n) y[i] = a[i] + b[i]; }
extern "C" __global__ void ew_mul(const float *a, const float *b, float *y, size_t n) { GRID_LOOP(i, n) y[i] = a[i] * b[i]; }
// y = alpha * x + y
extern "C" __global__ void ew_axpy(float alpha, const float *x, float *y, size_t n) { GRID_LOOP(i, n) y[i] += alpha * x[i]; }
extern "C" __global__ void ew_fill(float v, float *y, size_t n) { GRID_LOOP(i, n) y[i] = v; }

// As torch.optim.AdamW (single-tensor path): p *= 1 - lr*wd; m.lerp_(g, 1-b1); v = b2 v + (1-b2) g^2;
// p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps). omb1 = 1-b1 and omb2 = 1-b2 come from the host in double
// precision, as PyTorch computes them (float(1 - 0.999f) would differ by 1e-5 relative).
extern "C" __global__ void adamw_step(float *p, const float *g, float *m, float *v, size_t n, float lr, float omb1,
                                      float beta2, float omb2, float eps, float wd, float bc1, float bc2) {
  const float step = lr / bc1, sbc2 = sqrtf(bc2);
  GRID_LOOP(i, n) {
    const float gg = g[i];
    float pp = p[i] * (1.f - lr * wd);
    const float mm = m[i] + omb1 * (gg - m[i]);
    const float vv = beta2 * v[i] + omb2 * gg * gg;
    m[i] = mm; v[i] = vv;
    p[i] = pp - step * mm / (sqrtf(vv) / sbc2 + eps);
  }
}
