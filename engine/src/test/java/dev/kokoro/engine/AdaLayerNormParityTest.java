package dev.kokoro.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.io.Fixtures;
import dev.kokoro.engine.io.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kokoro's AdaLayerNorm(24, 20) on x [2, 11, 20] against PyTorch (ops.ref.safetensors, `adaln.*`). */
class AdaLayerNormParityTest {

    @Test
    void float32ForwardAndGradientsMatchPyTorch() throws Exception {
        Path file = Fixtures.file("ops.ref.safetensors");
        assumeTrue(file != null && Files.exists(file), "fixture ops.ref.safetensors not found");
        Map<String, Tensor> ref = Safetensors.read(file);
        Tensor x = ref.get("adaln.x").to(DType.F32).requiresGrad(true);
        Tensor s = ref.get("adaln.s").to(DType.F32).requiresGrad(true);
        Tensor w = ref.get("adaln.param.fc.weight").to(DType.F32).requiresGrad(true);
        Tensor b = ref.get("adaln.param.fc.bias").to(DType.F32).requiresGrad(true);
        Tensor y = Norms.adaLayerNorm(x, s, w, b, 1e-5);
        expectClose("y", y, ref.get("adaln.y"));
        y.mul(ref.get("adaln.loss_weight").to(DType.F32)).sum().backward();
        expectClose("grad.x", x.grad(), ref.get("adaln.grad.x"));
        expectClose("grad.s", s.grad(), ref.get("adaln.grad.s"));
        expectClose("grad.fc.weight", w.grad(), ref.get("adaln.grad.fc.weight"));
        expectClose("grad.fc.bias", b.grad(), ref.get("adaln.grad.fc.bias"));
    }

    private static void expectClose(String what, Tensor got, Tensor want) {
        assertTrue(java.util.Arrays.equals(got.shape(), want.shape()), what + " shape");
        double e = GradCheck.relL2(got, want);
        System.out.printf("AdaLayerNorm parity %s: rel L2 %.3g%n", what, e);
        assertTrue(e <= 1e-4, what + " relative L2 error " + e);
    }
}
