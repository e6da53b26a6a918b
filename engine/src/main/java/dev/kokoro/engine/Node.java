package dev.kokoro.engine;

/** One recorded op: the tensors it read and how to send its output's gradient back to them. */
public final class Node {
    final Tensor[] inputs;
    final Backward backward;

    Node(Tensor[] inputs, Backward backward) {
        this.inputs = inputs;
        this.backward = backward;
    }

    /**
     * Turns the output gradient into input gradients. Single-input ops may return the input gradient
     * (see {@link Autograd#record(Tensor, Unary, Tensor)}); others accumulate with
     * {@link Autograd#accumulate(Tensor, Tensor)} and skip inputs that do not require grad.
     */
    @FunctionalInterface
    public interface Backward {
        void apply(Tensor gradOutput);
    }

    @FunctionalInterface
    public interface Unary {
        Tensor apply(Tensor gradOutput);
    }
}
