package dev.topiary.dsl.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Tensor;

/** The one host array: examples for data, any-rank float32/int64 tensors for state. */
class HostArrayTest {

  @Test
  void examplesNeedAFirstDimensionStateMayBeScalar() {
    assertThatThrownBy(() -> HostArray.of(new float[] {1f})).hasMessageContaining("the first dimension counts examples");
    HostArray threshold = HostArray.ofFloats(new float[] {0.25f});
    HostArray step = HostArray.ofLongs(new long[] {42});
    assertThat(threshold.shape()).isEmpty();
    assertThat(step.longs()).containsExactly(42);
    assertThat(step.typeName()).isEqualTo("int64[]");
    assertThatThrownBy(step::examples).hasMessageContaining("scalar");
    assertThatThrownBy(step::floats).hasMessageContaining("int64");
    assertThatThrownBy(threshold::longs).hasMessageContaining("not int64");
  }

  @Test
  void tensorsRoundTripExactlyWithTheirTypeAndRank() {
    for (HostArray a : List.of(HostArray.ofLongs(new long[] {-7}), HostArray.ofFloats(new float[] {1, -0f, 3, 4}, 2, 2),
        HostArray.ofLabels(new int[] {3, 1, 2}))) {
      try (Tensor t = a.toTensor()) {
        HostArray back = HostArray.copyOf(t);
        assertThat(back).isEqualTo(a);
        assertThat(back.dtype()).isEqualTo(a.dtype());
        assertThat(back.shape()).containsExactly(a.shape());
      }
    }
  }

  @Test
  void equalityIsBitExact() {
    assertThat(HostArray.ofFloats(new float[] {0f}, 1)).isNotEqualTo(HostArray.ofFloats(new float[] {-0f}, 1));
    assertThat(HostArray.ofFloats(new float[] {1f}, 1)).isNotEqualTo(HostArray.ofFloats(new float[] {1f}));
    assertThat(HostArray.ofLongs(new long[] {1}, 1)).isEqualTo(HostArray.ofLongs(new long[] {1}, 1))
        .hasSameHashCodeAs(HostArray.ofLongs(new long[] {1}, 1));
  }

  @Test
  void batchesOfEveryTypeSliceGatherAndJoin() {
    HostArray longs = HostArray.ofLongs(new long[] {1, 2, 3, 4, 5, 6}, 3, 2);
    assertThat(longs.gather(new int[] {2, 0}).longs()).containsExactly(5, 6, 1, 2);
    assertThat(HostArray.concat(List.of(longs.slice(0, 1), longs.slice(1, 3)))).isEqualTo(longs);
    assertThatThrownBy(() -> HostArray.concat(List.of(longs, HostArray.of(new float[] {1, 2}, 1, 2))))
        .hasMessageContaining("cannot join");
  }
}
