package dev.topiary.dsl.layers.core;

import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;
import org.jspecify.annotations.Nullable;

/** Keras' {@code SpatialDropout1D}: drops whole channels of 1-D feature maps in training; the identity at inference. */
public final class SpatialDropout1D extends BaseSpatialDropout<SpatialDropout1D> {
  /** The type: Keras' {@code SpatialDropout1D} with its options. */
  public static final LayerType<SpatialDropout1D> TYPE = LayerType.of("SpatialDropout1D", SpatialDropout1D.class,
      s -> read(s, "SpatialDropout1D", (rate, seed) -> new SpatialDropout1D(null, rate, seed)))
      .with(KerasForm.class, KerasForm.of("SpatialDropout1D", "rate", "seed"));

  private SpatialDropout1D(@Nullable String name, double rate, @Nullable Long seed) {
    super(name, rate, seed, 1);
  }

  public static SpatialDropout1D of(double rate) {
    return new SpatialDropout1D(null, rate, null);
  }

  @Override
  SpatialDropout1D create(@Nullable String name, double rate, @Nullable Long seed) {
    return new SpatialDropout1D(name, rate, seed);
  }

  @Override
  public String typeName() {
    return "SpatialDropout1D";
  }
}
