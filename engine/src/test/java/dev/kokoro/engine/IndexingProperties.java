package dev.kokoro.engine;

import static dev.kokoro.engine.ActivationsProperties.check;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class IndexingProperties {

    @Property(tries = 25)
    void gatherAndJoin(@ForAll @IntRange(min = 1, max = 3) int a, @ForAll @IntRange(min = 1, max = 5) int b,
                       @ForAll @IntRange(min = 1, max = 6) int c, @ForAll @IntRange(min = 0, max = 2) int dim, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = GradCheck.param(rng, a, b, c), y = GradCheck.param(rng, a, b, c);
        int[] shp = {a, b, c};
        shp[dim] = 2;
        Tensor z = GradCheck.param(rng, shp);
        check(in -> Indexing.cat(dim, in[0], in[1].mul(in[0]), in[2]), 1e-6, x, y, z);
        check(in -> Indexing.stack(dim, in[0], in[1]), 1e-6, x, y);
        check(in -> {
            Tensor[] parts = Indexing.split(in[0], 1, 1, b - 1);
            return Indexing.cat(1, parts[1].mul(2.0), parts[0].mul(parts[0]));
        }, 1e-6, x);
        check(in -> Indexing.cumsum(in[0], dim), 1e-6, x);
        long[] idx = new long[5];
        for (int i = 0; i < idx.length; i++) idx[i] = rng.nextInt(shp.length == 0 ? 1 : x.size(dim));
        Tensor index = Tensor.of(idx, idx.length);
        check(in -> Indexing.indexSelect(in[0], dim, index), 1e-6, x);
        long[] rep = new long[x.size(dim)];
        for (int i = 0; i < rep.length; i++) rep[i] = rng.nextInt(4);
        Tensor repeats = Tensor.of(rep, rep.length);
        check(in -> Indexing.repeatInterleave(in[0], repeats, dim).add(0.0), 1e-6, x);
        long[] m = new long[b * c];
        for (int i = 0; i < m.length; i++) m[i] = rng.nextInt(2);
        Tensor mask = Tensor.of(m, b, c);
        check(in -> Indexing.maskedFill(in[0], mask, -3.5), 1e-6, x);
    }

    @Property(tries = 25)
    void embedding(@ForAll @IntRange(min = 1, max = 9) int v, @ForAll @IntRange(min = 1, max = 6) int d,
                   @ForAll @IntRange(min = 1, max = 7) int n, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor w = GradCheck.param(rng, v, d);
        long[] ids = new long[2 * n];
        for (int i = 0; i < ids.length; i++) ids[i] = rng.nextInt(v);
        Tensor id = Tensor.of(ids, 2, n);
        check(in -> Indexing.embedding(in[0], id), 1e-7, w);
    }

    @Test
    void exactValues() {
        Tensor x = Tensor.of(new double[]{1, 2, 3, 4, 5, 6}, 2, 3);
        assertArrayEquals(new double[]{1, 3, 6, 4, 9, 15}, Indexing.cumsum(x, 1).toDoubleArray(), 0);
        assertArrayEquals(new double[]{1, 2, 3, 5, 7, 9}, Indexing.cumsum(x, 0).toDoubleArray(), 0);
        Tensor r = Indexing.repeatInterleave(x, Tensor.of(new long[]{2, 0, 1}, 3), 1);
        assertArrayEquals(new int[]{2, 3}, r.shape());
        assertArrayEquals(new double[]{1, 1, 3, 4, 4, 6}, r.toDoubleArray(), 0);
        Tensor m = Indexing.maskedFill(x, Tensor.of(new long[]{0, 1, 0}, 3), 0);
        assertArrayEquals(new double[]{1, 0, 3, 4, 0, 6}, m.toDoubleArray(), 0);
        Tensor c = Indexing.cat(0, x, Tensor.of(new double[]{7, 8, 9}, 1, 3));
        assertArrayEquals(new double[]{1, 2, 3, 4, 5, 6, 7, 8, 9}, c.toDoubleArray(), 0);
        Tensor s = Indexing.stack(1, Tensor.of(new long[]{1, 2}, 2), Tensor.of(new long[]{3, 4}, 2));
        assertArrayEquals(new long[]{1, 3, 2, 4}, s.toLongArray());
        Tensor e = Indexing.embedding(Tensor.of(new float[]{0, 0, 1, 1, 2, 2}, 3, 2), Tensor.of(new long[]{2, 0}, 2));
        assertArrayEquals(new float[]{2, 2, 0, 0}, e.toFloatArray());
    }

    @Test
    void outOfRangeIdNamesTheIdAndVocab() {
        var ex = assertThrows(IllegalArgumentException.class,
                () -> Indexing.embedding(Tensor.zeros(DType.F32, 178, 4), Tensor.of(new long[]{3, 200}, 1, 2)));
        assertTrue(ex.getMessage().contains("200") && ex.getMessage().contains("178"), ex.getMessage());
    }
}
