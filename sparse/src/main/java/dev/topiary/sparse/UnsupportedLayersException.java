package dev.topiary.sparse;

import java.util.List;

/** The model holds layers a sparse model cannot run; lists every one of them. */
public final class UnsupportedLayersException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final List<String> layers;

  UnsupportedLayersException(List<String> layers, List<String> supported) {
    super("SparseModel cannot run " + layers.size() + " layer(s): " + String.join(", ", layers)
        + ". Supported: " + String.join(", ", supported)
        + ". Give the layer's LayerType a LayerTranslator part (or describe the layer in Primitives: LoweredLayer),"
        + " or run this model in TF.");
    this.layers = List.copyOf(layers);
  }

  /** The unsupported layers, as {@code 'name' (Type)}. */
  public List<String> layers() {
    return layers;
  }
}
