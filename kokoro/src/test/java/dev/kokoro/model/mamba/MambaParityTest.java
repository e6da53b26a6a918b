package dev.kokoro.model.mamba;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kokoro.engine.DType;
import dev.kokoro.engine.GradCheck;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.io.Fixtures;
import dev.kokoro.engine.io.Safetensors;
import dev.kokoro.model.nn.Param;
import dev.kokoro.model.nn.StateDict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Mamba (float32) against mamba-ssm's Mamba slow path with selective_scan_ref (float64 outside the
 * scan): output and every gradient of sum(y · loss_weight), relative L2 ≤ 1e-4.
 */
class MambaParityTest {

    @ParameterizedTest
    @CsvSource({"small., 160", "medium., 256"})
    void matchesMambaSsm(String prefix, int dModel) throws Exception {
        assumeTrue(Fixtures.exists("mamba.ref.safetensors"), "fixture mamba.ref.safetensors not found in " + Fixtures.dir());
        Map<String, Tensor> ref = Safetensors.read(Fixtures.file("mamba.ref.safetensors"));
        Mamba m = new Mamba(dModel);
        StateDict.load(m, StateDict.sub(ref, prefix + "param."), "mamba.ref.safetensors " + prefix, false, Set.of());
        m.requiresGrad(true);
        Tensor x = ref.get(prefix + "x").to(DType.F32).detach().requiresGrad(true);
        Tensor y = m.forward(x);
        assertArrayEquals(ref.get(prefix + "y").shape(), y.shape());
        List<String> report = new ArrayList<>();
        double ey = GradCheck.relL2(y, ref.get(prefix + "y"));
        report.add("y " + ey);
        y.mul(ref.get(prefix + "loss_weight").to(DType.F32)).sum().backward();
        double worst = ey;
        double ex = GradCheck.relL2(x.grad(), ref.get(prefix + "grad.x"));
        report.add("grad.x " + ex);
        worst = Math.max(worst, ex);
        int checked = 0;
        for (Map.Entry<String, Param> e : m.namedParams().entrySet()) {
            Tensor want = ref.get(prefix + "grad." + e.getKey());
            Tensor got = e.getValue().get().grad();
            assertTrue(want != null && got != null, "gradient of " + e.getKey());
            assertArrayEquals(want.shape(), got.shape(), e.getKey());
            double err = GradCheck.relL2(got, want);
            report.add("grad." + e.getKey() + " " + err);
            worst = Math.max(worst, err);
            checked++;
        }
        System.out.println(prefix + " " + report);
        assertTrue(checked == 9, "expected 9 parameters, got " + checked);
        assertTrue(worst <= 1e-4, prefix + " relative L2 errors: " + report);
    }
}
