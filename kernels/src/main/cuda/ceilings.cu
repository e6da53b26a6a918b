// The card's own ceilings, measured by tiny dedicated kernels (KernelBench compares every kernel with them),
// and the bench's helpers: device-side random fill, an L2 flush, a spin that keeps the GPU busy while the host
// enqueues the timed work, and a count of non-finite values.

// out = s * in over n4 float4s (16-byte loads and stores, grid-stride): bytes moved = 2 * 16 * n4.
extern "C" __global__ void ceil_scale(const float4 *__restrict__ in, float4 *__restrict__ out, long long n4, float s) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n4; i += (long long)gridDim.x * blockDim.x) {
    float4 v = in[i];
    out[i] = make_float4(s * v.x, s * v.y, s * v.z, s * v.w);
  }
}

// The same with 4 independent 16-byte loads in flight per thread before the first store (grid-stride over groups
// of 4 float4s; n4 a multiple of 4 · gridDim.x · blockDim.x is not required: the tail is done one at a time).
extern "C" __global__ void ceil_scale4(const float4 *__restrict__ in, float4 *__restrict__ out, long long n4, float s) {
  long long stride = (long long)gridDim.x * blockDim.x, i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  for (; i + 3 * stride < n4; i += 4 * stride) {
    float4 v[4];
#pragma unroll
    for (int u = 0; u < 4; u++) v[u] = in[i + u * stride];
#pragma unroll
    for (int u = 0; u < 4; u++) out[i + u * stride] = make_float4(s * v[u].x, s * v[u].y, s * v[u].z, s * v[u].w);
  }
  for (; i < n4; i += stride) {
    float4 v = in[i];
    out[i] = make_float4(s * v.x, s * v.y, s * v.z, s * v.w);
  }
}

// FP32 FMA peak: 8 independent chains a = fma(a, x, y) per thread, all in registers; 2 flops per FMA.
// out[thread] = ((a0+a1)+(a2+a3))+((a4+a5)+(a6+a7)); chain j of global thread g starts at g * 2^-20 + j * 0.125.
extern "C" __global__ void ceil_fma(float *__restrict__ out, int iters, float x, float y) {
  int g = blockIdx.x * blockDim.x + threadIdx.x;
  float a[8];
#pragma unroll
  for (int j = 0; j < 8; j++) a[j] = g * 0x1p-20f + j * 0.125f;
  for (int it = 0; it < iters; it += 4) {
#pragma unroll
    for (int u = 0; u < 4; u++)
#pragma unroll
      for (int j = 0; j < 8; j++) a[j] = fmaf(a[j], x, y);
  }
  out[g] = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

// TF32 tensor-core peak with mma.sync m16n8k8 (the instruction MatmulCuda and conv_mma use), operands in
// registers: 8 independent accumulator chains per warp, 2*16*8*8 flops per mma. A's registers hold
// av*(1,2,3,4), B's bv*(1,2): with the PTX fragment layout every D element of rows 0-7 gains 28*av*bv per mma
// and of rows 8-15 40*av*bv, so each thread's sum (its 4 elements, 8 chains) is 8 * iters * 136 * av * bv.
extern "C" __global__ void ceil_mma_tf32(float *__restrict__ out, int iters, float av, float bv) {
  unsigned a0 = __float_as_uint(av), a1 = __float_as_uint(2.f * av), a2 = __float_as_uint(3.f * av), a3 = __float_as_uint(4.f * av);
  unsigned b0 = __float_as_uint(bv), b1 = __float_as_uint(2.f * bv);
  float d[8][4];
#pragma unroll
  for (int c = 0; c < 8; c++)
#pragma unroll
    for (int e = 0; e < 4; e++) d[c][e] = 0.f;
  for (int it = 0; it < iters; it++) {
#pragma unroll
    for (int c = 0; c < 8; c++)
      asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                   : "+f"(d[c][0]), "+f"(d[c][1]), "+f"(d[c][2]), "+f"(d[c][3])
                   : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
  }
  float s = 0.f;
#pragma unroll
  for (int c = 0; c < 8; c++) s += (d[c][0] + d[c][1]) + (d[c][2] + d[c][3]);
  out[blockIdx.x * blockDim.x + threadIdx.x] = s;
}

// x[i] = offset + scale * u, u uniform in [-1, 1) from a hash of (i, seed): random inputs made on the device.
extern "C" __global__ void ceil_rand(float *__restrict__ x, long long n, unsigned seed, float scale, float offset) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    unsigned h = (unsigned)i * 0x9E3779B1u ^ (unsigned)(i >> 32) * 0x85EBCA77u ^ seed * 0xC2B2AE3Du;
    h ^= h >> 15; h *= 0x2C1B3C6Du; h ^= h >> 12; h *= 0x297A2D39u; h ^= h >> 15;
    x[i] = offset + scale * ((h >> 8) * 0x1p-23f - 1.f);
  }
}

// Reads n float4s (evicting the L2 with clean lines: nothing is written unless the sum hits a sentinel).
extern "C" __global__ void ceil_flush(const float4 *__restrict__ in, long long n4, float *__restrict__ sink) {
  float acc = 0.f;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n4; i += (long long)gridDim.x * blockDim.x) {
    float4 v = in[i];
    acc += v.x + v.y + v.z + v.w;
  }
  if (acc == 1234.5f) sink[0] = acc;
}

// One thread busy-waits ns nanoseconds (the GPU stays busy while the host enqueues the timed work).
extern "C" __global__ void ceil_spin(long long ns) {
  unsigned long long t0, t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
  do { asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t)); } while ((long long)(t - t0) < ns);
}

// count[0] += number of NaN or infinite values among x[0..n).
extern "C" __global__ void ceil_count_nonfinite(const float *__restrict__ x, long long n, unsigned *__restrict__ count) {
  unsigned c = 0;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    c += !isfinite(x[i]);
  if (c) atomicAdd(count, c);
}
