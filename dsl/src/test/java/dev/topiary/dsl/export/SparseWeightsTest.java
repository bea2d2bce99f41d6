package dev.topiary.dsl.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.data.HostArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparseWeightsTest {

  private static Map<String, HostArray> weights(double sparsity) {
    Random r = new Random(1);
    Map<String, HostArray> w = new LinkedHashMap<>();
    float[] k = new float[300 * 7];
    for (int i = 0; i < k.length; i++) {
      k[i] = r.nextDouble() < sparsity ? 0f : (float) r.nextGaussian();
    }
    w.put("dense_kernel", HostArray.of(k, 300, 7));
    w.put("dense_bias", HostArray.of(new float[] {0.5f, -1, 0, 0, 2, 3, -0.25f}, 7));
    w.put("conv_kernel", HostArray.of(new float[] {1, -2, 0, 4, 0, 0, 7, -8, 9}, 1, 3, 3, 1));
    return w;
  }

  @Test
  void float32RoundTripIsExact(@TempDir Path dir) throws Exception {
    Map<String, HostArray> w = weights(0.8);
    Path file = dir.resolve("weights.tpsw");
    SparseWeights.write(file, w, SparseWeights.Encoding.FLOAT32);
    Map<String, HostArray> back = SparseWeights.read(file);
    assertThat(back.keySet()).containsExactlyElementsOf(w.keySet());
    w.forEach((k, v) -> {
      assertThat(back.get(k).shape()).containsExactly(v.shape());
      assertThat(back.get(k).floats()).containsExactly(v.floats());
    });
    // 80 % zeros: far smaller than the raw floats.
    assertThat(Files.size(file)).isLessThan(SparseWeights.dense(w).length / 3);
    assertThat(Files.list(dir)).hasSize(1); // no temporary file left behind
  }

  @Test
  void int8RoundTripIsWithinHalfAStep() {
    Map<String, HostArray> w = weights(0.8);
    Map<String, HostArray> back = SparseWeights.decode(SparseWeights.encode(w, SparseWeights.Encoding.INT8), "mem");
    w.forEach((k, v) -> {
      float[] a = v.floats();
      float[] b = back.get(k).floats();
      float max = 0;
      for (float x : a) {
        max = Math.max(max, Math.abs(x));
      }
      float bound = max / 127f / 2 + 1e-7f;
      for (int i = 0; i < a.length; i++) {
        assertThat(Math.abs(a[i] - b[i])).as("%s[%d]", k, i).isLessThanOrEqualTo(bound);
        if (a[i] == 0f) {
          assertThat(b[i]).isZero();
        }
      }
    });
  }

  @Test
  void corruptTruncatedAndNewerFilesGiveClearErrors(@TempDir Path dir) throws Exception {
    byte[] good = SparseWeights.encode(weights(0.5), SparseWeights.Encoding.FLOAT32);
    byte[] flipped = good.clone();
    flipped[40] ^= 0x10;
    assertThatThrownBy(() -> SparseWeights.decode(flipped, "w.tpsw"))
        .isInstanceOf(CorruptFileException.class)
        .hasMessage("w.tpsw: checksum mismatch: the file is corrupt or truncated");
    byte[] truncated = java.util.Arrays.copyOf(good, good.length / 2);
    assertThatThrownBy(() -> SparseWeights.decode(truncated, "w.tpsw")).isInstanceOf(CorruptFileException.class)
        .hasMessageStartingWith("w.tpsw: ");
    byte[] newer = good.clone();
    newer[5] = 9;
    assertThatThrownBy(() -> SparseWeights.decode(newer, "w.tpsw"))
        .hasMessage("w.tpsw: written by a newer format version 9; this Topiary reads version 1");
    assertThatThrownBy(() -> SparseWeights.decode("hello world, not weights".getBytes(), "x.bin"))
        .hasMessage("x.bin: not a Topiary sparse weights file (bad magic)");
    assertThatThrownBy(() -> SparseWeights.decode(new byte[3], "tiny"))
        .hasMessageContaining("too short");
    Path file = dir.resolve("cut.tpsw");
    Files.write(file, truncated);
    assertThatThrownBy(() -> SparseWeights.read(file)).hasMessageStartingWith(file.toString());
  }
}
