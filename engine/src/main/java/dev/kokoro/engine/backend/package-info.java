/**
 * Device tensors and the backend SPI: the same model code runs on the CPU or on a GPU.
 *
 * <h2>Representation</h2>
 * A {@link dev.kokoro.engine.Tensor} on a device has no host array: it is a float32 view (shape,
 * strides, offset in elements) of an opaque {@link dev.kokoro.engine.backend.DeviceStorage} owned by a
 * {@link dev.kokoro.engine.backend.Backend}. {@code Tensor.device()} says where it lives;
 * {@code Tensor.to(Device)} copies (differentiably). reshape/transpose/permute/slice/expand/squeeze of a
 * device tensor are views of the same storage; {@code contiguous()} uses the backend's strided copy.
 * Only float32 goes to a device: int64 tensors (ids, masks, repeats) stay on the host and may be passed
 * with device tensors to the ops that read them (embedding, masked fill, attention masks), and so may
 * one-element host tensors (scalars). Value reads ({@code getFlat}, {@code item}, {@code toFloatArray},
 * {@code toString}) download; {@code f32()} and {@code setFlat} of a device tensor are errors.
 *
 * <h2>Dispatch</h2>
 * Every public op starts with one line (see {@link dev.kokoro.engine.backend.Dispatch}): when an input is
 * on a device the op runs the backend's kernel registered under the op's name, else it falls back to
 * the CPU op on host copies (one warning per op name, counted in
 * {@link dev.kokoro.engine.backend.Fallbacks}). Inputs on different devices are an error naming the op
 * and every input's device, dtype and shape. Autograd, when an input requires grad: a backend kernel that
 * carries its own backward ({@link dev.kokoro.engine.backend.Backend#gradKernel}: output plus a
 * {@code Node.Backward} made of device kernels, computing only the gradients of inputs that require them;
 * it may decline with null) is used first; else a plain kernel with a rule in {@code DeviceGrads} (the
 * backward written with the same dispatched ops); else the op falls back, differentiably because both
 * moves are. Optimizers call {@link dev.kokoro.engine.backend.Backend#inPlace} kernels ("adamw_step").
 * The backend is found with {@link java.util.ServiceLoader} (the kernels module lists
 * {@code dev.kokoro.cuda.CudaBackend} in META-INF/services); the engine does not depend on it.
 *
 * <h2>Memory</h2>
 * The GC does not see device memory, so it is freed deterministically: every storage created on a thread
 * while a {@link dev.kokoro.engine.backend.DeviceScope} is open is freed when the scope closes, except
 * what {@code scope.keep(t)} lets escape (to the enclosing scope). A synthesis chunk or a training step
 * (forward and backward: the graph holds device tensors) runs inside one scope. Storages made outside
 * scopes (parameters after {@code Module.to(Device)}) are freed by a Cleaner once unreachable. Freed
 * blocks go back to the CUDA caching allocator (no driver call) and are reused in stream order. Using a
 * freed tensor is an error, never silent garbage.
 */
package dev.kokoro.engine.backend;
