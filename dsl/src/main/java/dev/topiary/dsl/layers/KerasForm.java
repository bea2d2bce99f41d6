package dev.topiary.dsl.layers;

import java.util.List;
import java.util.Objects;

/**
 * How a layer type appears in Keras files, for types whose Topiary settings use Keras' own option
 * names and values (a {@link LayerType} part; the {@code keras} module reads and writes it). Reading
 * copies {@link #options} from the Keras config into the settings the type's reader gets, and fails
 * naming any other option that is set (it could change the layer's math); writing copies them back. The
 * weights are stored as Keras 3 stores a layer's own variables ({@code <layer>/vars/0..n-1}), in the
 * order of {@link Layer#weights}.
 *
 * @param kerasName the Keras class name ({@code ReLU}), or the registered name {@code "package>Class"} of
 *     a layer registered with {@code keras.saving.register_keras_serializable}
 * @param options the Keras config keys this type reads (besides {@code name}, {@code trainable},
 *     {@code dtype})
 */
public record KerasForm(String kerasName, List<String> options) {
  public KerasForm {
    Objects.requireNonNull(kerasName, "kerasName");
    options = List.copyOf(options);
  }

  public static KerasForm of(String kerasName, String... options) {
    return new KerasForm(kerasName, List.of(options));
  }

  /** True for a user's registered class ({@code "package>Class"}), false for a built-in Keras layer. */
  public boolean custom() {
    return kerasName.contains(">");
  }

  /** The class name Keras writes in {@code class_name}. */
  public String className() {
    return kerasName.substring(kerasName.indexOf('>') + 1);
  }
}
