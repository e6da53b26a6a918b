package dev.kokoro.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Index rules against values PyTorch 2.11 (CPU) produced; the random-input cases were captured on the
 * device machine with F.interpolate and are compared bit for bit.
 */
class ResampleExactTest {

    static Tensor arange(DType dt, int n) {
        Tensor t = Tensor.zeros(dt, 1, 1, n);
        for (int i = 0; i < n; i++) t.setFlat(i, i);
        return t;
    }

    @Test
    void handDerivedPatterns() {
        // F.interpolate([1,2,3,4], size=8, mode='linear', align_corners=False)
        Tensor x = Tensor.of(new double[]{1, 2, 3, 4}, 1, 1, 4);
        assertArrayEquals(new double[]{1, 1.25, 1.75, 2.25, 2.75, 3.25, 3.75, 4}, Resample.linear1d(x, 8).toDoubleArray(), 1e-15);
        assertArrayEquals(new double[]{0, 0, 1, 1, 2, 2}, Resample.nearest1dScale(arange(DType.F32, 3), 2).toDoubleArray(), 0);
        assertArrayEquals(new double[]{0, 0, 1, 1, 2}, Resample.nearest1d(arange(DType.F64, 3), 5).toDoubleArray(), 0);
        // scale_factor 0.5 on 6 samples: source step 2, centers 0.5, 2.5, 4.5
        assertArrayEquals(new double[]{0.5, 2.5, 4.5}, Resample.linear1dScale(arange(DType.F64, 6), 0.5).toDoubleArray(), 0);
        // size vs scale_factor: T=10 → 3 uses step 10/3 with size, 1/(1/3) with scale_factor
        assertArrayEquals(new double[]{1.1666666666666667, 4.5, 7.833333333333334}, Resample.linear1d(arange(DType.F64, 10), 3).toDoubleArray(), 1e-12);
        assertArrayEquals(new double[]{1, 4, 7}, Resample.linear1dScale(arange(DType.F64, 10), 1.0 / 3).toDoubleArray(), 1e-12);
        assertArrayEquals(new double[]{2, 1, 0, 1, 2, 3, 2}, Resample.reflectionPad1d(arange(DType.F64, 4), 2, 1).toDoubleArray(), 0);
        assertArrayEquals(new double[]{9, 0, 1, 2}, Resample.pad1d(arange(DType.F64, 4), 1, -1, 9).toDoubleArray(), 0);
    }

    @Test
    void sineGenDownAndUpByThreeHundred() {
        // SineGen: linear scale_factor=1/300 on 600·F samples gives 2F frames at centers 149.5 + 300k
        for (DType dt : new DType[]{DType.F32, DType.F64}) {
            Tensor d = Resample.linear1dScale(arange(dt, 2107), 1.0 / 300);
            assertArrayEquals(new double[]{149.5, 449.5, 749.5, 1049.5, 1349.5, 1649.5, 1949.5}, d.toDoubleArray(), 0);
            assertEquals(168, Resample.linear1dScale(arange(dt, 50400), 1.0 / 300).numel());
        }
        // linear ×300 on 3 samples, float32, values from torch 2.11
        Tensor u = Resample.linear1dScale(arange(DType.F32, 3), 300);
        int[] at = {0, 149, 150, 151, 299, 300, 449, 450, 451, 750, 899};
        float[] want = {0.0f, 0.0f, 0.0016666788142174482f, 0.005000011995434761f, 0.4983333647251129f, 0.5016666650772095f,
                0.9983333945274353f, 1.0016666650772095f, 1.0049999952316284f, 2.0f, 2.0f};
        for (int i = 0; i < at.length; i++) assertEquals(want[i], (float) u.getFlat(at[i]), 0f, "position " + at[i]);
    }

    @Test
    void randomInputsBitForBit() {
        float[] x32 = {0x1.915c7ap-3f, -0x1.02c1e2p+0f, 0x1.15a3eap-4f, 0x1.174ce6p+0f, -0x1.7a3edep-3f, 0x1.42117ap-4f,
                -0x1.b448e4p-1f, 0x1.09a1cep-1f, 0x1.188f1cp-5f, 0x1.0eb52ep+0f, 0x1.981ee0p-1f, -0x1.09cf0ep-2f,
                0x1.953438p-2f, 0x1.c4afe2p-2f, 0x1.e3bfa8p-1f, 0x1.5ae472p-2f, -0x1.6ff120p-1f, -0x1.0071acp-1f};
        float[] y32 = {0x1.3b5c86p-3f, -0x1.cbdde0p-1f, 0x1.f76d7ap-3f, 0x1.8f8036p-1f, -0x1.a2b55ep-4f, -0x1.1c4ceap-2f,
                -0x1.db0862p-3f, 0x1.104482p-2f, 0x1.0c6378p+0f, 0x1.5fa428p-1f, -0x1.2a1ed8p-3f, 0x1.a0c526p-2f,
                0x1.32f520p-1f, 0x1.6cf902p-1f, -0x1.1dd8f8p-3f, -0x1.35be6ap-1f};
        assertArrayEquals(y32, Resample.linear1dScale(Tensor.of(x32, 1, 2, 9), 0.9349328756332398).toFloatArray(), 0f);
        double[] x64 = {0x1.5f46829474266p-2, 0x1.9b331a258fadcp-2, -0x1.393a71d2f9947p-1, 0x1.41068827219f3p-1, 0x1.14e3e244c684ap-3,
                0x1.bc9adc8c10b59p-3, 0x1.a84cce7be1afep+0, 0x1.048b43a20808ep-2, -0x1.798cd377d236bp-2, -0x1.0bc1ed98d011bp+0,
                -0x1.9682eebfafbfdp+0, 0x1.55b4a008c4ce8p-3, 0x1.daaa378f239dap+0, -0x1.5a26ca2d3452ap+1, 0x1.722621a4355d0p-2,
                0x1.428f5b6b88f70p+0, 0x1.186002a492d63p-1, -0x1.57b409602f6e0p-3, -0x1.d743a38ba6694p-3, -0x1.04753d3a38468p+0,
                0x1.0082ec5a7ae6dp+0, 0x1.1d8c877eb4efdp+0, 0x1.32ef1186156d5p+0, 0x1.cb728ec479691p-10, -0x1.c0de4f234b6b5p-1,
                0x1.0d742e469a7e1p+0, -0x1.6baf731b2e935p-1, 0x1.8ac08a436c0e6p-3};
        double[] y64 = {-0x1.c5838eaeb2afep-2, 0x1.e96f9f6463b22p-1, 0x1.cad21263146c1p-2, 0x1.552a760252af7p-1,
                0x1.0f07b9ec97eb5p+0, 0x1.8479b9f124631p-1};
        assertArrayEquals(y64, Resample.linear1d(Tensor.of(x64, 1, 2, 14), 3).toDoubleArray(), 0);
    }
}
