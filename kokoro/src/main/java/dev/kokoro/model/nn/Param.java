package dev.kokoro.model.nn;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.Tensor;

/** A named, replaceable parameter slot: loading, dtype changes and freezing swap or flag its tensor. */
public final class Param {
    private Tensor value;

    Param(Tensor value) { this.value = value; }

    public Tensor get() { return value; }

    public void set(Tensor t) { value = t; }

    public int[] shape() { return value.shape(); }

    public DType dtype() { return value.dtype; }
}
