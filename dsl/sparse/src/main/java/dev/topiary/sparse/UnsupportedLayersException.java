package dev.topiary.sparse;

import java.util.List;

/** The model holds layers a sparse model cannot run; lists every one of them. */
public final class UnsupportedLayersException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final List<String> layers;

  /** Why a layer is refused, and what a user can do. */
  public static final String REASON = "no sparse-runtime translation for this layer type (describe its math in"
      + " Primitives as a LoweredLayer, or give its LayerType a LayerTranslator part)";

  UnsupportedLayersException(List<String> layers, List<String> supported) {
    super("SparseModel cannot run " + layers.size() + " layer(s): " + String.join(", ", layers) + ": " + REASON
        + "; or run this model in TF. Supported: " + String.join(", ", supported));
    this.layers = List.copyOf(layers);
  }

  /** The unsupported layers, as {@code 'name' (Type)}. */
  public List<String> layers() {
    return layers;
  }
}
