package dev.topiary.keras;

import dev.topiary.dsl.export.CorruptFileException;
import org.jspecify.annotations.Nullable;

/**
 * A Keras file cannot be read into a Topiary model (or a model cannot be written as one): the message
 * names the file, the layer when there is one, and the problem.
 */
public class KerasFileException extends CorruptFileException {
  private final @Nullable String layer;

  public KerasFileException(String file, @Nullable String layer, String problem) {
    super(file, layer == null ? problem : "layer '" + layer + "': " + problem);
    this.layer = layer;
  }

  /** The Keras layer the problem is in, or null for a problem of the file as a whole. */
  public @Nullable String layer() {
    return layer;
  }
}
