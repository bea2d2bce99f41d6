package dev.topiary.dsl.layers.core;

import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;

/** Keras' {@code SpatialDropout3D}: drops whole channels of 3-D feature maps in training; the identity at inference. */
public final class SpatialDropout3D extends BaseSpatialDropout<SpatialDropout3D> {
  /** The type: Keras' {@code SpatialDropout3D} with its options. */
  public static final LayerType<SpatialDropout3D> TYPE = LayerType.of("SpatialDropout3D", SpatialDropout3D.class,
      s -> read(s, "SpatialDropout3D", (rate, seed) -> new SpatialDropout3D(null, rate, seed)))
      .with(KerasForm.class, KerasForm.of("SpatialDropout3D", "rate", "seed", "data_format"));

  private SpatialDropout3D(@Nullable String name, double rate, @Nullable Long seed) {
    super(name, rate, seed, 3);
  }

  public static SpatialDropout3D of(double rate) {
    return new SpatialDropout3D(null, rate, null);
  }

  @Override
  SpatialDropout3D create(@Nullable String name, double rate, @Nullable Long seed) {
    return new SpatialDropout3D(name, rate, seed);
  }

  @Override
  public String typeName() {
    return "SpatialDropout3D";
  }
}
