package dev.kokoro.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.io.Fixtures;
import dev.kokoro.engine.io.Safetensors;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Float32 Lstm against PyTorch's packed bidirectional nn.LSTM(40→16) in float64 (fixtures/ops.ref.safetensors, lstm.*). */
class LstmParityTest {

    @Test
    void matchesPyTorchPackedBidirectionalLstm() throws Exception {
        assumeTrue(Fixtures.exists("ops.ref.safetensors"), "fixture ops.ref.safetensors absent");
        Map<String, Tensor> ref = Safetensors.read(Fixtures.file("ops.ref.safetensors"));
        long[] l = ref.get("lstm.lengths").toLongArray();
        int[] lengths = new int[l.length];
        for (int i = 0; i < l.length; i++) lengths[i] = (int) l[i];
        String[] names = {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"};
        Tensor[] p = new Tensor[names.length];
        for (int i = 0; i < names.length; i++) p[i] = ref.get("lstm.param." + names[i]).to(DType.F32).requiresGrad(true);
        Tensor x = ref.get("lstm.x").to(DType.F32).requiresGrad(true);
        Tensor y = Lstm.lstm(x, lengths, new Lstm.Direction(p[0], p[1], p[2], p[3]), new Lstm.Direction(p[4], p[5], p[6], p[7]));
        check("y", y, ref.get("lstm.y"));
        y.mul(ref.get("lstm.loss_weight").to(DType.F32)).sum().backward();
        check("grad.x", x.grad(), ref.get("lstm.grad.x"));
        for (int i = 0; i < names.length; i++) check("grad." + names[i], p[i].grad(), ref.get("lstm.grad." + names[i]));
    }

    private static void check(String what, Tensor got, Tensor want) {
        assertTrue(got != null, what + " missing");
        double err = GradCheck.relL2(got, want);
        System.out.printf("LstmParityTest %-28s rel L2 %.2e%n", what, err);
        assertTrue(err <= 1e-4, "lstm." + what + ": relative L2 error " + err);
    }
}
