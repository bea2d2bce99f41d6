package dev.topiary.dsl.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The shape checks every back end's slice, transpose and tile share. */
class PrimitivesChecksTest {
  @Test
  void transposeNeedsAPermutationOfTheExampleAxes() {
    assertThat(Primitives.transposed(new int[] {2, 3, 5}, new int[] {2, 0, 1})).containsExactly(5, 2, 3);
    for (int[] bad : new int[][] {{}, {0}, {0, 0}, {1, 2}, {0, 1, 2}}) {
      assertThatThrownBy(() -> Primitives.transposed(new int[] {2, 3}, bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("needs a permutation of 0..1");
    }
  }

  @Test
  void sliceAndTileStayInsideTheExample() {
    Primitives.checkSlice(new int[] {4, 3}, new int[] {1, 0}, new int[] {3, 3});
    assertThatThrownBy(() -> Primitives.checkSlice(new int[] {4, 3}, new int[] {2, 0}, new int[] {3, 3}))
        .hasMessageContaining("slice [2, 5) of example axis 0 is outside its size 4");
    assertThat(Primitives.tiled(new int[] {2, 3}, new int[] {3, 1})).containsExactly(6, 3);
    assertThatThrownBy(() -> Primitives.tiled(new int[] {2, 3}, new int[] {0, 1}))
        .hasMessageContaining("multiples must be >= 1");
  }
}
