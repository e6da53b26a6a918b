// torch.stft / torch.istft (onesided, normalized=False, Hann or any window of length wl <= nFft centred
// at left = (nFft - wl) / 2) as the engine's Spectral.stftStacked / istft: a frame's real DFT is a product
// with a cos / -sin basis that has the window folded in, run here as an FP32 tiled GEMM whose frame
// operand is gathered on the fly (reflect padding folded into the index), so no frame matrix is stored
// for the forward STFT.
// Spectra are stacked [B, 2K, frames]: rows 0..K-1 real, K..2K-1 imaginary (K = nFft/2 + 1).
#include <cuda_runtime.h>

#define TM 64
#define TN 64
#define TK 16

// C[m, n] = sum_k A(m, k) B(k, n) for one 64x64 tile; 256 threads, 4x4 outputs each.
template <class LA, class LB, class ST>
__device__ __forceinline__ void sgemm_tile(int M, int N, int KD, const LA &la, const LB &lb, const ST &st) {
  __shared__ float As[TK][TM + 4];
  __shared__ float Bs[TK][TN + 4];
  const int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
  const int m0 = blockIdx.y * TM, n0 = blockIdx.x * TN;
  float acc[4][4] = {};
  for (int k0 = 0; k0 < KD; k0 += TK) {
#pragma unroll
    for (int q = 0; q < 4; q++) {
      const int e = tid + 256 * q, mm = e & 63, kk = e >> 6;
      const int m = m0 + mm, k = k0 + kk;
      As[kk][mm] = (m < M && k < KD) ? la(m, k) : 0.f;
      const int nn = e & 63, n = n0 + nn;
      Bs[kk][nn] = (n < N && k < KD) ? lb(k, n) : 0.f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < TK; kk++) {
      float a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; i++) a[i] = As[kk][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; j++) b[j] = Bs[kk][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; i++)
#pragma unroll
    for (int j = 0; j < 4; j++) {
      const int m = m0 + ty + 16 * i, n = n0 + tx + 16 * j;
      if (m < M && n < N) st(m, n, acc[i][j]);
    }
}

__device__ __forceinline__ int reflect_idx(int i, int len) {
  if (len == 1) return 0;
  const int period = 2 * (len - 1);
  i %= period;
  if (i < 0) i += period;
  return i < len ? i : period - i;
}

// basis [2K, wl]: cos(2 pi m / N) w[j] and -sin(2 pi m / N) w[j], m = f (left + j) mod N (double trig,
// exact at quarter turns).
extern "C" __global__ void stft_basis(const float *win, float *basis, int N, int wl, int left, int K) {
  const int idx = blockIdx.x * blockDim.x + threadIdx.x;
  if (idx >= 2 * K * wl) return;
  const int row = idx / wl, j = idx % wl, f = row < K ? row : row - K;
  const long long m = ((long long)f * (left + j)) % N;
  double s, c;
  sincospi(2.0 * (double)m / N, &s, &c);
  basis[idx] = (float)((row < K ? c : -s) * (double)win[j]);
}

// ibasis [wl, 2K]: w[j] a_f (cos, -sin)(2 pi m / N) / N, a_f = 1 at DC and Nyquist (whose sine is dropped), else 2.
extern "C" __global__ void istft_basis(const float *win, float *ibasis, int N, int wl, int left, int K) {
  const int idx = blockIdx.x * blockDim.x + threadIdx.x;
  if (idx >= 2 * K * wl) return;
  const int j = idx / (2 * K), col = idx % (2 * K), f = col < K ? col : col - K;
  const bool edge = f == 0 || 2 * f == N;
  const long long m = ((long long)f * (left + j)) % N;
  double s, c;
  sincospi(2.0 * (double)m / N, &s, &c);
  const double a = edge ? 1.0 : 2.0;
  ibasis[idx] = (float)(col < K ? (double)win[j] * a * c / N : (edge ? 0.0 : -(double)win[j] * a * s / N));
}

// out[b, f, t] = sum_j basis[f, j] x[b, reflect(t hop + left + j - pad)]   grid (frames/64, 2K/64, B)
extern "C" __global__ void __launch_bounds__(256) stft_fwd(const float *x, const float *basis, float *out, int len, int wl, int K2,
                                                           int frames, int hop, int left, int pad) {
  const int b = blockIdx.z;
  const float *xb = x + (size_t)b * len;
  sgemm_tile(K2, frames, wl,
             [&](int f, int j) { return basis[(size_t)f * wl + j]; },
             [&](int j, int t) { return xb[reflect_idx(t * hop + left + j - pad, len)]; },
             [&](int f, int t, float v) { out[((size_t)b * K2 + f) * frames + t] = v; });
}

// gfr[b, t, j] = sum_f g[b, f, t] basis[f, j]   grid (wl/64, frames/64, B)
extern "C" __global__ void __launch_bounds__(256) stft_bwd_frames(const float *g, const float *basis, float *gfr, int wl, int K2, int frames) {
  const int b = blockIdx.z;
  const float *gb = g + (size_t)b * K2 * frames;
  sgemm_tile(frames, wl, K2,
             [&](int t, int f) { return gb[(size_t)f * frames + t]; },
             [&](int f, int j) { return basis[(size_t)f * wl + j]; },
             [&](int t, int j, float v) { gfr[((size_t)b * frames + t) * wl + j] = v; });
}

// Overlap-add of frame values v(t, j) at padded position p = t hop + left + j, t < frames.
__device__ __forceinline__ double ola_frames(const float *fr, int p, int frames, int hop, int left, int wl, int tstride, int jstride) {
  const int q = p - left;  // = t hop + j
  int t1 = q / hop;        // largest t with j >= 0 (q >= 0 here)
  if (t1 > frames - 1) t1 = frames - 1;
  double s = 0;
  for (int t = t1; t >= 0; t--) {
    const int j = q - t * hop;
    if (j >= wl) break;
    s += fr[(size_t)t * tstride + (size_t)j * jstride];
  }
  return s;
}

// gx[b, i] = sum over padded positions p that reflect onto i of the overlap-added frame gradients.
extern "C" __global__ void stft_bwd_fold(const float *gfr, float *gx, int B, int len, int wl, int frames, int hop, int left, int pad) {
  const long long n = (long long)B * len;
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < n; idx += (long long)gridDim.x * blockDim.x) {
    const int b = idx / len, i = idx % len;
    const float *fr = gfr + (size_t)b * frames * wl;
    double s = 0;
    int ps[3] = {i + pad, -1, -1};
    if (len > 1 && i >= 1 && i <= pad) ps[1] = pad - i;
    if (len > 1 && i >= len - 1 - pad && i <= len - 2) ps[2] = pad + 2 * (len - 1) - i;
    for (int u = 0; u < 3; u++)
      if (ps[u] >= left) s += ola_frames(fr, ps[u], frames, hop, left, wl, wl, 1);
    gx[idx] = (float)s;
  }
}

// y[b, j, t] = sum_f ibasis[j, f] spec[b, f, t] with spec = [re; im]   grid (frames/64, wl/64, B)
extern "C" __global__ void __launch_bounds__(256) istft_frames(const float *re, const float *im, const float *ibasis, float *y, int wl, int K,
                                                               int frames) {
  const int b = blockIdx.z;
  const float *rb = re + (size_t)b * K * frames, *ib = im + (size_t)b * K * frames;
  sgemm_tile(wl, frames, 2 * K,
             [&](int j, int f) { return ibasis[(size_t)j * 2 * K + f]; },
             [&](int f, int t) { return f < K ? rb[(size_t)f * frames + t] : ib[(size_t)(f - K) * frames + t]; },
             [&](int j, int t, float v) { y[((size_t)b * wl + j) * frames + t] = v; });
}

// env[p] = sum_t w[p - t hop - left]^2 over the expLen samples of the overlap-add.
extern "C" __global__ void istft_env(const float *win, float *env, int expLen, int frames, int hop, int left, int wl) {
  const int p = blockIdx.x * blockDim.x + threadIdx.x;
  if (p >= expLen) return;
  double s = 0;
  if (p >= left) {
    const int q = p - left;
    int t1 = min(q / hop, frames - 1);
    for (int t = t1; t >= 0; t--) {
      const int j = q - t * hop;
      if (j >= wl) break;
      s += (double)win[j] * win[j];
    }
  }
  env[p] = (float)s;
}

// out[b, i] = ola(y)[start + i] / env[start + i] for i < valid, 0 beyond.
extern "C" __global__ void istft_ola(const float *y, const float *env, float *out, int B, int outLen, int valid, int start, int wl,
                                     int frames, int hop, int left) {
  const long long n = (long long)B * outLen;
  for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < n; idx += (long long)gridDim.x * blockDim.x) {
    const int b = idx / outLen, i = idx % outLen;
    float v = 0.f;
    if (i < valid) {
      const int p = start + i;
      const double s = p >= left ? ola_frames(y + (size_t)b * wl * frames, p, frames, hop, left, wl, 1, frames) : 0.0;
      v = (float)(s / (double)env[p]);
    }
    out[idx] = v;
  }
}

// gspec[b, f, t] = sum_j ibasis[j, f] gy(j, t), gy(j, t) = g[b, p - start] / env[p] at p = t hop + left + j inside
// [start, start + valid), else 0; split into dre, dim.   grid (frames/64, 2K/64, B)
extern "C" __global__ void __launch_bounds__(256) istft_bwd(const float *g, const float *env, const float *ibasis, float *dre, float *dim,
                                                            int outLen, int valid, int start, int wl, int K, int frames, int hop, int left) {
  const int b = blockIdx.z;
  const float *gb = g + (size_t)b * outLen;
  sgemm_tile(2 * K, frames, wl,
             [&](int f, int j) { return ibasis[(size_t)j * 2 * K + f]; },
             [&](int j, int t) {
               const int p = t * hop + left + j;
               return (p >= start && p < start + valid) ? gb[p - start] / env[p] : 0.f;
             },
             [&](int f, int t, float v) {
               if (f < K) dre[((size_t)b * K + f) * frames + t] = v;
               else dim[((size_t)b * K + f - K) * frames + t] = v;
             });
}
