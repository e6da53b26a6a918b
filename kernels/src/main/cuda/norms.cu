// LayerNorm over the last dim C of rows x [R, C], and AdaLayerNorm (Kokoro/StyleTTS2):
//   xhat = (x - mean) / sqrt(var + eps)   (biased variance)
//   out  = xhat * scale + shift, scale/shift indexed by (row / rowsPerGroup, c):
//   LayerNorm: rowsPerGroup = R, scale = gamma, shift = beta (either may be null: 1 / 0);
//   AdaLayerNorm on [B, T, C]: rowsPerGroup = T, scale = gamma [B, C] with onePlus (1 + gamma), shift = beta [B, C].
// One warp per row; mean and rstd are saved for the backward.
#include <cuda_runtime.h>

__device__ __forceinline__ float warp_sum(float v) {
  for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
  return v;
}

extern "C" __global__ void layernorm_fwd(const float *x, const float *scale, const float *shift, float *out,
                                         float *mean, float *rstd, int R, int C, int rowsPerGroup, int onePlus,
                                         float eps) {
  const int lane = threadIdx.x & 31;
  const int r = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (r >= R) return;
  const float *xr = x + (size_t)r * C;
  float s = 0.f;
  for (int c = lane; c < C; c += 32) s += xr[c];
  const float mu = warp_sum(s) / C;
  float q = 0.f;
  for (int c = lane; c < C; c += 32) { float t = xr[c] - mu; q += t * t; }
  const float rs = rsqrtf(warp_sum(q) / C + eps);
  const size_t g = (size_t)(r / rowsPerGroup) * C;
  float *orow = out + (size_t)r * C;
  for (int c = lane; c < C; c += 32) {
    float sc = scale ? scale[g + c] : 0.f;
    if (onePlus || !scale) sc += 1.f;
    orow[c] = (xr[c] - mu) * rs * sc + (shift ? shift[g + c] : 0.f);
  }
  if (lane == 0) { mean[r] = mu; rstd[r] = rs; }
}

// dx = rstd * (dxh - mean(dxh) - xhat * mean(dxh * xhat)), dxh = dout * scale
extern "C" __global__ void layernorm_bwd_dx(const float *x, const float *scale, const float *dout,
                                            const float *mean, const float *rstd, float *dx, int R, int C,
                                            int rowsPerGroup, int onePlus) {
  const int lane = threadIdx.x & 31;
  const int r = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (r >= R) return;
  const float *xr = x + (size_t)r * C, *gr = dout + (size_t)r * C;
  const float mu = mean[r], rs = rstd[r];
  const size_t g = (size_t)(r / rowsPerGroup) * C;
  float s1 = 0.f, s2 = 0.f;
  for (int c = lane; c < C; c += 32) {
    float sc = scale ? scale[g + c] : 0.f;
    if (onePlus || !scale) sc += 1.f;
    const float dxh = gr[c] * sc, xh = (xr[c] - mu) * rs;
    s1 += dxh; s2 += dxh * xh;
  }
  s1 = warp_sum(s1) / C; s2 = warp_sum(s2) / C;
  float *dr = dx + (size_t)r * C;
  for (int c = lane; c < C; c += 32) {
    float sc = scale ? scale[g + c] : 0.f;
    if (onePlus || !scale) sc += 1.f;
    const float dxh = gr[c] * sc, xh = (xr[c] - mu) * rs;
    dr[c] = rs * (dxh - s1 - xh * s2);
  }
}

// dscale[grp, c] += sum_rows dout * xhat, dshift[grp, c] += sum_rows dout over the rows of a group.
// Grid: (ceil(C / blockDim.x), groups, row chunks). Outputs must be zeroed by the caller.
extern "C" __global__ void layernorm_bwd_params(const float *x, const float *dout, const float *mean,
                                                const float *rstd, float *dscale, float *dshift, int R, int C,
                                                int rowsPerGroup, int rowsPerChunk) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= C) return;
  const int grp = blockIdx.y;
  const int r0 = grp * rowsPerGroup + blockIdx.z * rowsPerChunk;
  const int r1 = min(min(r0 + rowsPerChunk, (grp + 1) * rowsPerGroup), R);
  float a = 0.f, b = 0.f;
  for (int r = r0; r < r1; r++) {
    const float gg = dout[(size_t)r * C + c];
    a += gg * (x[(size_t)r * C + c] - mean[r]) * rstd[r];
    b += gg;
  }
  if (r1 > r0) {
    if (dscale) atomicAdd(dscale + (size_t)grp * C + c, a);
    if (dshift) atomicAdd(dshift + (size_t)grp * C + c, b);
  }
}
