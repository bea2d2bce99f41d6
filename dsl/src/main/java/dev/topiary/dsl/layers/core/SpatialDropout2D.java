package dev.topiary.dsl.layers.core;

import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;

/** Keras' {@code SpatialDropout2D}: drops whole channels of 2-D feature maps in training; the identity at inference. */
public final class SpatialDropout2D extends BaseSpatialDropout<SpatialDropout2D> {
  /** The type: Keras' {@code SpatialDropout2D} with its options. */
  public static final LayerType<SpatialDropout2D> TYPE = LayerType.of("SpatialDropout2D", SpatialDropout2D.class,
      s -> read(s, "SpatialDropout2D", (rate, seed) -> new SpatialDropout2D(null, rate, seed)))
      .with(KerasForm.class, KerasForm.of("SpatialDropout2D", "rate", "seed", "data_format"));

  private SpatialDropout2D(@Nullable String name, double rate, @Nullable Long seed) {
    super(name, rate, seed, 2);
  }

  public static SpatialDropout2D of(double rate) {
    return new SpatialDropout2D(null, rate, null);
  }

  @Override
  SpatialDropout2D create(@Nullable String name, double rate, @Nullable Long seed) {
    return new SpatialDropout2D(name, rate, seed);
  }

  @Override
  public String typeName() {
    return "SpatialDropout2D";
  }
}
