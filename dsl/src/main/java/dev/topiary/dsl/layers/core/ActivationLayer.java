package dev.topiary.dsl.layers.core;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.ElementwiseLayer;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/** Keras' {@code Activation} layer: applies an activation function element-wise. */
public final class ActivationLayer extends ElementwiseLayer<ActivationLayer> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<ActivationLayer> TYPE =
      LayerType.of("Activation", ActivationLayer.class, ActivationLayer::fromConfig)
          .with(KerasForm.class, KerasForm.of("Activation", "activation").withActivations("activation")
              .withDefault("activation", "linear"));

  private final Activation activation;

  private ActivationLayer(@Nullable String name, Activation activation) {
    super(name, null);
    if (activation == null) {
      throw new IllegalArgumentException("Activation layer needs an activation function, got null");
    }
    this.activation = activation;
  }

  public static ActivationLayer of(Activation activation) {
    return new ActivationLayer(null, activation);
  }

  public Activation activation() {
    return activation;
  }

  @Override
  protected ActivationLayer copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new ActivationLayer(name, activation);
  }

  @Override
  public String typeName() {
    return "Activation";
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    return activation.apply(context.tf(), inputs.get(0));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("activation", activation.kerasName());
  }

  private static ActivationLayer fromConfig(Settings s) {
    return ActivationLayer.of(Activation.parse(s.getString("activation")));
  }
}
