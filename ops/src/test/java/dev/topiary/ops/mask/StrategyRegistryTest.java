package dev.topiary.ops.mask;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class StrategyRegistryTest {

  /** A user's strategy: keeps every weight at least {@code minimum} in magnitude, whatever the sparsity. */
  record AtLeast(float minimum) implements MaskStrategy {
    @Override
    public void validate(Shape shape) {}

    @Override
    public MaskResult ops(Ops tf, Operand<TFloat32> weights, Operand<TFloat32> sparsity) {
      Operand<TFloat32> keep =
          tf.dtypes.cast(tf.math.greaterEqual(tf.math.abs(weights), tf.constant(minimum)), TFloat32.class);
      return new MaskResult(keep, tf.constant(minimum));
    }

    @Override
    public HostMask host(float[] weights, long[] shape, float sparsity) {
      float[] mask = new float[weights.length];
      for (int i = 0; i < mask.length; i++) {
        mask[i] = Math.abs(weights[i]) >= minimum ? 1f : 0f;
      }
      return new HostMask(mask, shape, minimum);
    }
  }

  /** Not registered anywhere. */
  record Unregistered() implements MaskStrategy {
    @Override
    public void validate(Shape shape) {}

    @Override
    public MaskResult ops(Ops tf, Operand<TFloat32> weights, Operand<TFloat32> sparsity) {
      return MaskStrategy.magnitude().ops(tf, weights, sparsity);
    }

    @Override
    public HostMask host(float[] weights, long[] shape, float sparsity) {
      return MaskStrategy.magnitude().host(weights, shape, sparsity);
    }
  }

  static void registerAtLeast() {
    StrategyRegistry.register("at_least", AtLeast.class, s -> Map.of("minimum", (double) s.minimum()),
        c -> new AtLeast((float) c.getDouble("minimum")));
  }

  @Test
  void builtInsRoundTripUnderTheirNames() {
    for (MaskStrategy s : new MaskStrategy[] {
        MaskStrategy.magnitude(), MaskStrategy.block(2, 3, BlockPooling.MAX), MaskStrategy.mByN(2, 4)}) {
      Map<String, Object> written = StrategyRegistry.write(s);
      assertThat(StrategyRegistry.read(written, "test")).isEqualTo(s);
    }
    assertThat(StrategyRegistry.write(MaskStrategy.block(1, 4, BlockPooling.AVG)))
        .containsExactly(Map.entry("type", "block"), Map.entry("rows", 1), Map.entry("cols", 4),
            Map.entry("pooling", "AVG"));
    assertThat(StrategyRegistry.write(MaskStrategy.mByN(2, 4)))
        .containsExactly(Map.entry("type", "m_by_n"), Map.entry("m", 2), Map.entry("n", 4));
    // A JSON reader gives longs.
    assertThat(StrategyRegistry.read(Map.of("type", "m_by_n", "m", 1L, "n", 4L), "test")).isEqualTo(MaskStrategy.mByN(1, 4));
  }

  @Test
  void aUserStrategyRoundTripsAndMasksTheSameInJavaEagerAndGraph() {
    registerAtLeast();
    AtLeast s = new AtLeast(0.3f);
    Map<String, Object> written = StrategyRegistry.write(s);
    assertThat(written).containsEntry("type", "at_least");
    assertThat(StrategyRegistry.read(written, "test")).isEqualTo(s);
    assertThat(StrategyRegistry.names()).contains("at_least", "magnitude", "block", "m_by_n");
    HostMask m = MaskRunner.all(s, new float[] {0.1f, -0.5f, 0.3f, 0f}, new long[] {2, 2}, 0.5f);
    assertThat(m.mask()).containsExactly(0, 1, 1, 0);
  }

  @Test
  void unregisteredAndUnknownStrategiesFailNamingThem() {
    assertThatThrownBy(() -> StrategyRegistry.write(new Unregistered()))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("Unregistered[]")
        .hasMessageContaining("is not registered: call StrategyRegistry.register");
    assertThat(StrategyRegistry.isRegistered(new Unregistered())).isFalse();
    assertThatThrownBy(() -> StrategyRegistry.read(Map.of("type", "lottery"), "model.json layer 'dense'"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("model.json layer 'dense': unknown mask strategy 'lottery'; register custom strategies")
        .hasMessageContaining("known: [")
        .hasMessageContaining("m_by_n");
    assertThatThrownBy(() -> StrategyRegistry.read(Map.of("type", "block", "rows", 2), "here"))
        .hasMessage("here: setting 'cols' is missing");
    assertThatThrownBy(() -> StrategyRegistry.register("block", AtLeast.class, s -> Map.of(), c -> new AtLeast(0)))
        .hasMessageContaining("'block' is already registered for " + BlockStrategy.class.getName());
  }
}
