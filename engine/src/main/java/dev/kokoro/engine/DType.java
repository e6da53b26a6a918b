package dev.kokoro.engine;

/** Element types: float32 for the model, float64 for references and gradient checks, int64 for indices. */
public enum DType {
    F32(4), F64(8), I64(8);

    public final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    public boolean isFloat() { return this != I64; }
}
