package dev.topiary.keras;

import dev.topiary.dsl.config.ConfigRegistry;
import dev.topiary.dsl.layers.KerasForm;
import dev.topiary.dsl.layers.LayerType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.Activation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The Keras layer classes Topiary maps, by Keras class name and by Topiary type name. Each entry
 * reads only what Topiary's layer can honour: an option with another value than the one Topiary
 * implements fails naming the layer and the option, never silently changing the model.
 */
final class KerasLayers {
  static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private final Map<String, LayerMapping> byKeras = new LinkedHashMap<>();
  /** The registered Keras forms this read has looked up, by Keras class (empty where none matched). */
  private final Map<String, java.util.Optional<LayerMapping>> forms = new java.util.HashMap<>();
  private final Map<String, LayerMapping> byTopiary = new LinkedHashMap<>();
  /** The Keras version of the file being read ("2.x" files define hard_sigmoid differently). */
  private final String kerasVersion;

  KerasLayers(String kerasVersion) {
    this.kerasVersion = kerasVersion;
    CoreMappings.register(this);
    ConvMappings.register(this);
    RecurrentMappings.register(this);
  }

  void add(LayerMapping m) {
    add(m, true);
  }

  /** With {@code readable} false, only the writing direction (the Keras class reads through another mapping). */
  void add(LayerMapping m, boolean readable) {
    if (readable) {
      byKeras.put(m.kerasClass(), m);
    }
    byTopiary.put(m.topiaryType(), m);
  }

  void add(String kerasClass, String topiaryType, LayerMapping.Reader reader, LayerMapping.Writer writer) {
    add(new LayerMapping(kerasClass, topiaryType, reader, writer, LayerMapping.VARS));
  }

  /** The mapping of a Keras class: a built-in one, else a registered layer type's {@link KerasForm}. */
  @Nullable LayerMapping forKeras(String kerasClass) {
    LayerMapping m = byKeras.get(kerasClass);
    if (m != null) {
      return m;
    }
    // Found once per class and read: a model has hundreds of layers of a few classes, and the search
    // walks every registered layer type.
    return forms.computeIfAbsent(kerasClass, c -> java.util.Optional.ofNullable(formFor(c))).orElse(null);
  }

  @Nullable LayerMapping forTopiary(String topiaryType) {
    LayerMapping m = byTopiary.get(topiaryType);
    if (m != null) {
      return m;
    }
    return ConfigRegistry.layerType(topiaryType).flatMap(t -> t.part(KerasForm.class))
        .map(f -> formMapping(topiaryType, f)).orElse(null);
  }

  /** Keras class names (and registered names) that can be read: built-in mappings and registered forms. */
  java.util.SortedSet<String> kerasNames() {
    java.util.SortedSet<String> names = new java.util.TreeSet<>(byKeras.keySet());
    for (LayerType<?> t : ConfigRegistry.registeredLayerTypes()) {
      t.part(KerasForm.class).ifPresent(f -> names.add(f.kerasName()));
    }
    return names;
  }

  /** Topiary types that can be written: built-in mappings and registered types with a Keras form. */
  private java.util.SortedSet<String> topiaryNames() {
    java.util.SortedSet<String> names = new java.util.TreeSet<>(byTopiary.keySet());
    for (LayerType<?> t : ConfigRegistry.registeredLayerTypes()) {
      if (t.part(KerasForm.class).isPresent()) {
        names.add(t.typeName());
      }
    }
    return names;
  }

  /** The registered layer type whose Keras form is named {@code kerasName} (class or registered name). */
  private @Nullable LayerMapping formFor(String kerasName) {
    return formWhere(f -> f.kerasName().equals(kerasName) || !f.custom() && f.className().equals(kerasName));
  }

  /** The mapping of the first registered layer type with a Keras form that {@code matches}. */
  private static @Nullable LayerMapping formWhere(java.util.function.Predicate<KerasForm> matches) {
    for (LayerType<?> t : ConfigRegistry.registeredLayerTypes()) {
      KerasForm f = t.part(KerasForm.class).orElse(null);
      if (f != null && matches.test(f)) {
        return formMapping(t.typeName(), f);
      }
    }
    return null;
  }

  /**
   * A layer type's Keras form as a mapping: its options copied both ways (activations translated, absent ones
   * defaulted), its constant and required options checked, initializers and the form's ignored options
   * dropped, any other option that is set refused naming it (it could change the math); the variables under
   * the form's path.
   */
  private static LayerMapping formMapping(String topiaryType, KerasForm form) {
    return new LayerMapping(form.className(), topiaryType, (k, l) -> {
      Map<String, Object> settings = new LinkedHashMap<>();
      for (java.util.Iterator<String> it = k.node().fieldNames(); it.hasNext(); ) {
        String key = it.next();
        JsonNode v = k.get(key);
        if (form.options().contains(key)) {
          settings.put(key, form.activations().contains(key) ? l.activation(k, key)
              : v == null ? null : plainValue(v));
        } else if (form.drops(key)) {
          continue; // a constant that is also ignored is only written (LayerNormalization's axis: checked later)
        } else if (form.onlyValue(key) != null) {
          k.requireDefault(key, form.onlyValue(key));
        } else if (!BASE_KEYS.contains(key) && v != null) {
          throw k.error("option " + key + "=" + v + " is not supported (Topiary's " + topiaryType + " reads "
              + (form.options().isEmpty() ? "no options" : String.join(", ", form.options())) + ")");
        }
      }
      form.defaults().forEach(settings::putIfAbsent);
      return settings;
    }, (t, out, l) -> {
      Map<String, Object> values = t.asMap();
      for (String key : form.options()) {
        if (values.containsKey(key)) {
          Object v = values.get(key);
          out.set(key, form.activations().contains(key) && v instanceof String a ? JSON.textNode(kerasActivation(a))
              : JSON_VALUES.valueToTree(v));
        }
      }
      form.constants().forEach((key, v) -> out.set(key, JSON_VALUES.valueToTree(v)));
    }, n -> List.of(new LayerMapping.Group(form.weightsPath(), n)));
  }

  /** Keras classes whose constructor takes no {@code trainable} (Keras 3 passes it on and fails). */
  private static final java.util.Set<String> NO_TRAINABLE =
      java.util.Set.of("SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D");

  /** Keras classes that are Python code (a function or expression), not math a config describes. */
  private static final java.util.Set<String> CODE_LAYERS = java.util.Set.of("Lambda", "TFOpLambda", "SlicingOpLambda");

  /** Built-in Keras classes that live outside {@code keras.layers}, by the module Keras imports them from. */
  private static final Map<String, String> MODULES = Map.of("LayerScale", "keras.src.applications.convnext",
      "CustomScaleLayer", "keras.src.applications.inception_resnet_v2");

  /** Keys every Keras 3 layer config has, which do not change the math of an inference model. */
  private static final java.util.Set<String> BASE_KEYS = java.util.Set.of("name", "trainable", "dtype");
  static final com.fasterxml.jackson.databind.ObjectMapper JSON_VALUES = new com.fasterxml.jackson.databind.ObjectMapper();

  /**
   * A JSON value as plain Java, what {@code JSON_VALUES.convertValue(v, Object.class)} gives (null,
   * Boolean, the node's Integer/Long/BigInteger/Double, String, ArrayList, LinkedHashMap) without its
   * round trip through a token buffer, which took most of a cold read's option handling. Parsing caps
   * the nesting (Jackson's 1000 levels), so the recursion is bounded.
   */
  static @Nullable Object plainValue(JsonNode v) {
    switch (v.getNodeType()) {
      case NULL, MISSING:
        return null;
      case BOOLEAN:
        return v.booleanValue();
      case NUMBER:
        return v.numberValue();
      case STRING:
        return v.textValue();
      case ARRAY: {
        List<Object> list = new java.util.ArrayList<>(v.size());
        v.forEach(e -> list.add(plainValue(e)));
        return list;
      }
      case OBJECT: {
        Map<String, Object> map = new LinkedHashMap<>();
        v.fields().forEachRemaining(e -> map.put(e.getKey(), plainValue(e.getValue())));
        return map;
      }
      default:
        return JSON_VALUES.convertValue(v, Object.class);
    }
  }

  /**
   * A Keras layer entry ({@code {"class_name", "config", ...}}) as a Topiary layer named as in Keras.
   *
   * @throws KerasFileException for an unknown or custom class, an unsupported option or a bad value
   */
  dev.topiary.dsl.layers.Layer read(String file, JsonNode entry, String fallbackName) {
    Map<String, Object> inner = topiary(file, entry, fallbackName);
    String name = nameOf(entry, fallbackName);
    try {
      dev.topiary.dsl.layers.Layer layer = dev.topiary.dsl.config.ConfigRegistry.readLayer((String) inner.get("type"),
          new Settings("Keras layer '" + name + "'", castMap(inner.get("settings"))));
      return layer instanceof dev.topiary.dsl.layers.BaseLayer<?> b ? b.named(name) : layer;
    } catch (KerasFileException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new KerasFileException(file, name, className(entry) + ": " + e.getMessage());
    }
  }

  static String className(JsonNode entry) {
    JsonNode c = entry.get("class_name");
    return c == null || !c.isTextual() ? "?" : c.textValue();
  }

  static String nameOf(JsonNode entry, String fallback) {
    JsonNode config = entry.get("config");
    JsonNode n = config == null ? null : config.get("name");
    if (n != null && n.isTextual()) {
      return n.textValue();
    }
    JsonNode top = entry.get("name");
    return top != null && top.isTextual() ? top.textValue() : fallback;
  }

  /** A user's registered Keras class ({@code "package>Class"}) with a registered form of that exact name. */
  private @Nullable LayerMapping customForm(String registeredName) {
    return formWhere(f -> f.custom() && f.kerasName().equals(registeredName));
  }

  /** {@code {"type": topiary type, "settings": {...}}} for a Keras layer entry. */
  Map<String, Object> topiary(String file, JsonNode entry, String fallbackName) {
    String name = nameOf(entry, fallbackName);
    String cls = className(entry);
    JsonNode registered = entry.get("registered_name");
    JsonNode module = entry.get("module");
    boolean custom = registered != null && registered.isTextual() && !registered.textValue().equals(cls)
        || module != null && module.isTextual() && !module.textValue().startsWith("keras");
    LayerMapping m = custom ? (registered != null && registered.isTextual() ? customForm(registered.textValue()) : null)
        : forKeras(cls);
    if (m == null && CODE_LAYERS.contains(cls)) {
      throw new KerasFileException(file, name, cls + " layers hold Python code a file cannot carry; write the"
          + " computation as a Topiary layer (a LoweredLayer, with a KerasForm part on its LayerType to read and write"
          + " it) and save the Keras model with that layer instead");
    }
    if (m == null) {
      throw new KerasFileException(file, name, (custom ? "custom layer class '" : "unknown Keras layer class '") + cls
          + (registered != null && registered.isTextual() ? "' (registered as '" + registered.textValue() + "')" : "'")
          + " is not mapped to a Topiary layer (mapped: " + String.join(", ", kerasNames()) + "; map your own with"
          + " a KerasForm part on its LayerType)");
    }
    JsonNode config = entry.get("config");
    if (config == null || !config.isObject()) {
      throw new KerasFileException(file, name, cls + " has no config object");
    }
    KerasConfig k = new KerasConfig(file, name, cls, config);
    Map<String, Object> settings = new LinkedHashMap<>(m.reader().read(k, this));
    Object type = settings.remove(LayerMapping.TYPE);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("type", type != null ? type : m.topiaryType());
    out.put("settings", settings);
    return out;
  }

  /** The Topiary form of the wrapped layer {@code key} of a wrapper (Bidirectional, TimeDistributed). */
  Map<String, Object> innerTopiary(KerasConfig outer, String key) {
    JsonNode inner = outer.get(key);
    if (inner == null || !inner.isObject()) {
      throw outer.error("has no '" + key + "' layer object");
    }
    return topiary(outer.file(), inner, outer.layer() + "/" + key);
  }

  /** A Topiary layer's Keras entry body: {@code module}, {@code class_name}, {@code config}. */
  ObjectNode keras(String topiaryType, Settings settings, String name) {
    LayerMapping m = forTopiary(topiaryType);
    if (m == null) {
      throw new IllegalArgumentException("layer '" + name + "': Topiary layer type " + topiaryType
          + " has no Keras mapping (mapped: " + String.join(", ", topiaryNames()) + "; map your own with a"
          + " KerasForm part on its LayerType)");
    }
    ObjectNode config = JSON.objectNode();
    config.put("name", name).put("trainable", true).put("dtype", "float32");
    if (NO_TRAINABLE.contains(m.kerasClass())) {
      config.remove("trainable");
    }
    m.writer().write(settings, config, this);
    ObjectNode entry = JSON.objectNode();
    KerasForm custom = ConfigRegistry.layerType(topiaryType).flatMap(t -> t.part(KerasForm.class))
        .filter(KerasForm::custom).orElse(null);
    if (custom == null) {
      String module = MODULES.getOrDefault(m.kerasClass(), "keras.layers");
      entry.put("module", module).put("class_name", m.kerasClass()).set("config", config);
      if (module.equals("keras.layers")) {
        entry.putNull("registered_name");
      } else {
        entry.put("registered_name", m.kerasClass());
      }
    } else { // as Keras writes a class registered with register_keras_serializable
      entry.putNull("module");
      entry.put("class_name", m.kerasClass()).set("config", config);
      entry.put("registered_name", custom.kerasName());
    }
    return entry;
  }

  /** The Keras entry of a wrapped layer given in Topiary's {@code {"type", "settings"}} form. */
  ObjectNode innerKeras(Settings inner) {
    String type = inner.getString("type");
    Settings settings = inner.getObject("settings", inner.owner() + " " + type);
    return keras(type, settings, snake(type) + "_inner");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> castMap(Object o) {
    return (Map<String, Object>) o;
  }

  /** Keras' snake case of a class name (Conv2D -> conv2d, MaxPooling2D -> max_pooling2d, LSTM -> lstm). */
  static String snake(String className) {
    String s = NON_WORD.matcher(className).replaceAll("");
    s = WORD_START.matcher(s).replaceAll("$1_$2");
    return LOWER_UPPER.matcher(s).replaceAll("$1_$2").toLowerCase(java.util.Locale.ROOT);
  }

  // Compiled once: snake() runs for every layer of a model read.
  private static final java.util.regex.Pattern NON_WORD = java.util.regex.Pattern.compile("\\W+");
  private static final java.util.regex.Pattern WORD_START = java.util.regex.Pattern.compile("(.)([A-Z][a-z]+)");
  private static final java.util.regex.Pattern LOWER_UPPER = java.util.regex.Pattern.compile("([a-z])([A-Z])");

  /** Keras' activation name (a string; custom activation objects are refused) as Topiary's. */
  String activation(KerasConfig k, String key) {
    JsonNode v = k.get(key);
    if (v == null) {
      return "linear";
    }
    if (!v.isTextual()) {
      throw k.error("option " + key + "=" + v + " is not supported (only the built-in activations by name)");
    }
    String name = v.textValue();
    if (name.equals("silu")) {
      return "swish";
    }
    if (name.equals("hard_sigmoid") && !kerasVersion.startsWith("2.")) {
      // Keras 3 defines it as relu6(x + 3) / 6; tf.keras 2's (Topiary's hard_sigmoid) is clip(0.2 x + 0.5).
      return Activation.HARD_SIGMOID_KERAS3.kerasName();
    }
    if (name.equals("gelu_approximate") || name.equals("hard_sigmoid_keras3")) { // Topiary's names, not Keras'
      throw k.error("option " + key + "=" + name + " is not a Keras activation name");
    }
    try {
      return Activation.parse(name).kerasName();
    } catch (IllegalArgumentException e) {
      throw k.error("option " + key + "=" + name + " is not supported: " + e.getMessage());
    }
  }

  /** Topiary's activation name as Keras 3 writes it. */
  static String kerasActivation(String topiary) {
    return switch (topiary) {
      case "swish" -> "silu";
      case "hard_sigmoid" -> throw new IllegalArgumentException(
          "hard_sigmoid (Keras 2's 0.2 x + 0.5) has no Keras 3 equivalent of that name");
      case "hard_sigmoid_keras3" -> "hard_sigmoid";
      case "gelu_approximate" -> throw new IllegalArgumentException(
          "gelu_approximate (GELU's tanh form) has no Keras activation name (Keras' \"gelu\" is the exact form)");
      default -> topiary;
    };
  }

  static ArrayNode ints(long... values) {
    ArrayNode a = JSON.arrayNode();
    for (long v : values) {
      a.add(v);
    }
    return a;
  }

  static ArrayNode pairs(long... values) {
    ArrayNode a = JSON.arrayNode();
    for (int i = 0; i < values.length; i += 2) {
      a.add(ints(values[i], values[i + 1]));
    }
    return a;
  }
}
