package dev.topiary.dsl.layers;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How a layer type appears in Keras files, for types whose Topiary settings use Keras' own option
 * names and values (a {@link LayerType} part; the {@code keras} module reads and writes it). Built-in
 * layers such as {@code Dense}, {@code LSTM} or {@code ReLU} declare theirs exactly as a user's layer does.
 *
 * <p>Reading copies {@link #options} from the Keras config into the settings the type's reader gets
 * (an absent option takes its {@link #defaults default}, if it has one), checks each {@link #constants
 * constant} and {@link #required required} option (absent, null, or that value), drops the options that
 * only set up weights before they are loaded ({@code *_initializer}, {@code *_regularizer},
 * {@code *_constraint}, and the {@link #ignored} ones), and fails naming any other option that is set:
 * it could change the layer's math. Writing copies the options the layer's settings hold and the
 * constants. {@link #activations Activation options} are translated between Keras' names and Topiary's
 * ({@code silu} / {@code swish}, Keras 3's {@code hard_sigmoid}). The weights are stored as Keras 3
 * stores a layer's variables, under {@code <layer>/<weightsPath>/0..n-1} in the order of
 * {@link Layer#weights}.
 *
 * <p>A layer whose Keras config differs in shape from its settings (windows given as pairs, variables
 * in several groups, wrapped layers) is mapped by the {@code keras} module itself.
 *
 * @param kerasName the Keras class name ({@code ReLU}), or the registered name {@code "package>Class"} of
 *     a layer registered with {@code keras.saving.register_keras_serializable}
 * @param options the Keras config keys this type reads (besides {@code name}, {@code trainable},
 *     {@code dtype})
 * @param defaults the value of an option a Keras config leaves out
 * @param activations the options that hold an activation's name
 * @param constants Keras options Topiary supports at one value only: checked when read, written
 * @param required Keras options Topiary supports at one value only, checked when read and not written
 *     (options of older Keras versions that today's would refuse)
 * @param ignored Keras options read and dropped because they do not change the layer's outputs given its
 *     weights (besides the initializers, regularizers and constraints, always dropped); a constant that is
 *     also ignored is written and not checked (one checked elsewhere, such as an axis against the input rank)
 * @param weightsPath where Keras keeps the variables under the layer's path: {@code vars}, or
 *     {@code cell/vars} for a recurrent layer
 */
public record KerasForm(String kerasName, List<String> options, Map<String, Object> defaults, Set<String> activations,
    Map<String, Object> constants, Map<String, Object> required, Set<String> ignored, String weightsPath) {
  public KerasForm {
    Objects.requireNonNull(kerasName, "kerasName");
    options = List.copyOf(options);
    defaults = Map.copyOf(defaults);
    activations = Set.copyOf(activations);
    constants = unmodifiable(constants);
    required = unmodifiable(required);
    ignored = Set.copyOf(ignored);
    Objects.requireNonNull(weightsPath, "weightsPath");
    for (String key : defaults.keySet()) {
      requireOption(kerasName, options, key, "a default");
    }
    for (String key : activations) {
      requireOption(kerasName, options, key, "an activation");
    }
  }

  public static KerasForm of(String kerasName, String... options) {
    return new KerasForm(kerasName, List.of(options), Map.of(), Set.of(), Map.of(), Map.of(), Set.of(), "vars");
  }

  /** A copy where option {@code key} takes {@code value} when a Keras config leaves it out. */
  public KerasForm withDefault(String key, Object value) {
    Map<String, Object> d = new LinkedHashMap<>(defaults);
    d.put(key, Objects.requireNonNull(value, "value"));
    return new KerasForm(kerasName, options, d, activations, constants, required, ignored, weightsPath);
  }

  /** A copy where the options {@code keys} hold activation names (Keras' names in files, Topiary's in settings). */
  public KerasForm withActivations(String... keys) {
    Set<String> a = new LinkedHashSet<>(activations);
    a.addAll(List.of(keys));
    return new KerasForm(kerasName, options, defaults, a, constants, required, ignored, weightsPath);
  }

  /** A copy that reads Keras option {@code key} only at {@code value} (or absent) and writes it so. */
  public KerasForm withConstant(String key, Object value) {
    Map<String, Object> c = new LinkedHashMap<>(constants);
    c.put(key, Objects.requireNonNull(value, "value"));
    return new KerasForm(kerasName, options, defaults, activations, c, required, ignored, weightsPath);
  }

  /** A copy that reads Keras option {@code key} only at {@code value} (or absent), and does not write it. */
  public KerasForm withRequired(String key, Object value) {
    Map<String, Object> r = new LinkedHashMap<>(required);
    r.put(key, Objects.requireNonNull(value, "value"));
    return new KerasForm(kerasName, options, defaults, activations, constants, r, ignored, weightsPath);
  }

  /** A copy that drops the Keras options {@code keys} when reading (they must not change the outputs). */
  public KerasForm ignoring(String... keys) {
    Set<String> i = new LinkedHashSet<>(ignored);
    i.addAll(List.of(keys));
    return new KerasForm(kerasName, options, defaults, activations, constants, required, i, weightsPath);
  }

  /** A copy whose variables Keras keeps under {@code <layer>/<path>} ({@code cell/vars} for recurrent layers). */
  public KerasForm withWeightsAt(String path) {
    return new KerasForm(kerasName, options, defaults, activations, constants, required, ignored, path);
  }

  /** True for a user's registered class ({@code "package>Class"}), false for a built-in Keras layer. */
  public boolean custom() {
    return kerasName.contains(">");
  }

  /** The class name Keras writes in {@code class_name}. */
  public String className() {
    return kerasName.substring(kerasName.indexOf('>') + 1);
  }

  /**
   * Whether reading drops Keras option {@code key}: an initializer, regularizer or constraint (they set up
   * or steer weights that the file then gives), or one of {@link #ignored}.
   */
  public boolean drops(String key) {
    return ignored.contains(key) || key.endsWith("_initializer") || key.endsWith("_regularizer")
        || key.endsWith("_constraint");
  }

  /** The value Topiary supports for Keras option {@code key} if it is a constant or required one, else null. */
  public @Nullable Object onlyValue(String key) {
    return constants.containsKey(key) ? constants.get(key) : required.get(key);
  }

  private static Map<String, Object> unmodifiable(Map<String, Object> m) {
    return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(m));
  }

  private static void requireOption(String kerasName, List<String> options, String key, String what) {
    if (!options.contains(key)) {
      throw new IllegalArgumentException("Keras form " + kerasName + ": " + what + " is given for '" + key
          + "', which is not one of its options " + options);
    }
  }
}
