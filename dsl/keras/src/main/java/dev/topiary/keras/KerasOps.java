package dev.topiary.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keras 3 operation nodes: a functional model built with an expression on Keras tensors ({@code x + 3.0},
 * {@code x * (1 / 6)}, {@code ops.relu6(x)}, as MobileNetV3's hard sigmoid and ConvNeXt's residual sums)
 * saves it as an entry of module {@code keras.src.ops.*} whose class is the operation ({@code Add},
 * {@code Multiply}, {@code Relu6}), with the constants among its call arguments. Such a node is read as the
 * Keras layer with the same math, so the rest of the reader (and the writer) needs nothing new:
 * <ul>
 *   <li>{@code +, -, *, /} of a tensor and a number: {@code Rescaling(scale, offset)} ({@code x * scale + offset});
 *   <li>{@code +, -, *}, maximum, minimum of two tensors: the merge layer ({@code Add}, {@code Subtract}, ...);
 *   <li>the activations of {@code keras.ops.nn} Topiary has: {@code Activation(name)}, and {@code LeakyReLU}.
 * </ul>
 * Any other operation (a reduction, an indexing, a power, a constant tensor) is refused naming it: the model
 * would not mean the same without it.
 */
final class KerasOps {
  private KerasOps() {}

  /** The module prefix of Keras 3's operation classes. */
  private static final String MODULE = "keras.src.ops.";

  /** Two-tensor operations and the merge layer of the same math. */
  private static final Map<String, String> MERGES = Map.of("Add", "Add", "Subtract", "Subtract",
      "Multiply", "Multiply", "Maximum", "Maximum", "Minimum", "Minimum");

  /** One-tensor {@code keras.ops} activations and their Keras activation names. */
  private static final Map<String, String> ACTIVATIONS = Map.of("Relu", "relu", "Relu6", "relu6", "Sigmoid", "sigmoid",
      "Silu", "silu", "HardSigmoid", "hard_sigmoid", "HardSilu", "hard_silu", "Tanh", "tanh", "Gelu", "gelu",
      "Softplus", "softplus", "Elu", "elu");

  private static final Set<String> ARITHMETIC = Set.of("Add", "Subtract", "Multiply", "TrueDivide", "Divide");

  /**
   * Whether a functional model's entry is an operation node rather than a layer: its module is one of
   * {@code keras.src.ops}; or, in a legacy {@code .h5} config (which drops the module, so that Keras 3.15
   * itself cannot load such a file), its class is an operation this reader knows and its config has none of
   * the keys every layer's has ({@code trainable}, {@code dtype}): an operation's config is its name and
   * its own arguments.
   */
  static boolean isOperation(JsonNode entry) {
    JsonNode module = entry.get("module");
    if (module != null && module.isTextual()) {
      return module.textValue().startsWith(MODULE);
    }
    String op = KerasLayers.className(entry);
    JsonNode config = entry.path("config");
    boolean known = ARITHMETIC.contains(op) || MERGES.containsKey(op) || ACTIVATIONS.containsKey(op)
        || op.equals("LeakyRelu");
    return known && module == null && config.isObject() && !config.has("trainable") && !config.has("dtype");
  }

  /** An operation node rewritten as the Keras layer entry of the same math, and its tensor arguments. */
  record Rewritten(JsonNode entry, JsonNode inbound) {}

  /**
   * The layer entry and inbound node (tensors only) that compute operation node {@code entry}'s call
   * {@code inbound}.
   *
   * @throws KerasFileException naming the node and the operation when it is not elementwise math Topiary has
   */
  static Rewritten rewrite(String file, JsonNode entry, String name, JsonNode inbound) {
    String op = KerasLayers.className(entry);
    String qualified = entry.path("module").asText("keras.ops") + "." + op;
    JsonNode args = inbound.path("args");
    JsonNode kwargs = inbound.path("kwargs");
    if (!inbound.isObject() || !args.isArray() || kwargs.isObject() && !kwargs.isEmpty()) {
      throw new KerasFileException(file, name, "operation " + qualified + " called with " + inbound
          + " is not supported (only positional tensor and number arguments)");
    }
    List<JsonNode> tensors = new ArrayList<>();
    List<Double> numbers = new ArrayList<>();
    boolean numberFirst = false;
    for (JsonNode a : args) {
      if (a.isObject() && "__keras_tensor__".equals(a.path("class_name").asText())) {
        tensors.add(a);
      } else if (a.isNumber()) {
        numberFirst |= tensors.isEmpty();
        numbers.add(a.doubleValue());
      } else {
        throw new KerasFileException(file, name, "operation " + qualified + " argument " + a + " is not supported"
            + " (only Keras tensors and numbers)");
      }
    }
    JsonNode config = entry.path("config");
    ObjectNode layer;
    if (tensors.size() == 1 && numbers.size() == 1 && ARITHMETIC.contains(op)) {
      layer = rescaling(file, name, qualified, op, numbers.get(0), numberFirst);
    } else if (tensors.size() == 2 && numbers.isEmpty() && MERGES.containsKey(op)) {
      layer = entry(MERGES.get(op), name);
    } else if (tensors.size() == 1 && numbers.isEmpty() && ACTIVATIONS.containsKey(op)) {
      layer = activation(file, name, qualified, op, config);
    } else if (tensors.size() == 1 && numbers.isEmpty() && op.equals("LeakyRelu")) {
      layer = entry("LeakyReLU", name);
      ((ObjectNode) layer.get("config")).put("negative_slope", config.path("negative_slope").asDouble(0.2));
      onlyKeys(file, name, qualified, config, "negative_slope");
    } else {
      throw new KerasFileException(file, name, "operation " + qualified + " on " + tensors.size() + " tensor(s) and "
          + numbers.size() + " number(s) is not supported: Topiary reads the elementwise +, -, *, / of a tensor and a"
          + " number, +, -, *, maximum, minimum of two tensors and the keras.ops activations "
          + String.join(", ", new java.util.TreeSet<>(ACTIVATIONS.keySet())) + ", LeakyRelu; write the rest as a layer");
    }
    if (!op.equals("LeakyRelu") && !op.equals("Gelu") && !op.equals("Elu")) {
      onlyKeys(file, name, qualified, config);
    }
    ObjectNode node = KerasLayers.JSON.objectNode();
    ArrayNode tensorArgs = node.putArray("args");
    tensors.forEach(tensorArgs::add);
    node.putObject("kwargs");
    return new Rewritten(layer, node);
  }

  /** {@code x + c}, {@code c + x}, {@code x - c}, {@code c - x}, {@code x * c}, {@code c * x}, {@code x / c}. */
  private static ObjectNode rescaling(String file, String name, String qualified, String op, double c,
      boolean numberFirst) {
    double scale;
    double offset;
    switch (op) {
      case "Add" -> { scale = 1; offset = c; }
      case "Subtract" -> { scale = numberFirst ? -1 : 1; offset = numberFirst ? c : -c; }
      case "Multiply" -> { scale = c; offset = 0; }
      default -> { // TrueDivide, Divide
        if (numberFirst || c == 0) {
          throw new KerasFileException(file, name, "operation " + qualified + (numberFirst ? " of a number by a tensor"
              : " by zero") + " is not supported (only a tensor divided by a non-zero number)");
        }
        scale = 1 / c;
        offset = 0;
      }
    }
    ObjectNode layer = entry("Rescaling", name);
    ((ObjectNode) layer.get("config")).put("scale", scale).put("offset", offset);
    return layer;
  }

  private static ObjectNode activation(String file, String name, String qualified, String op, JsonNode config) {
    String activation = ACTIVATIONS.get(op);
    if (op.equals("Gelu")) {
      onlyKeys(file, name, qualified, config, "approximate");
      if (config.path("approximate").asBoolean(true)) {
        throw new KerasFileException(file, name, "operation " + qualified + " with approximate=true (GELU's tanh form)"
            + " has no Keras activation name; only approximate=false (Keras' \"gelu\") is read");
      }
    } else if (op.equals("Elu")) {
      onlyKeys(file, name, qualified, config, "alpha");
      if (config.path("alpha").asDouble(1.0) != 1.0) {
        throw new KerasFileException(file, name, "operation " + qualified + " with alpha=" + config.get("alpha")
            + " is not supported (only alpha=1, Keras' \"elu\")");
      }
    }
    ObjectNode layer = entry("Activation", name);
    ((ObjectNode) layer.get("config")).put("activation", activation);
    return layer;
  }

  /** Fails if the operation's config has a key other than {@code name} and {@code allowed}: an option we would drop. */
  private static void onlyKeys(String file, String name, String qualified, JsonNode config, String... allowed) {
    Set<String> ok = new java.util.HashSet<>(List.of(allowed));
    ok.add("name");
    for (Iterator<String> it = config.fieldNames(); it.hasNext();) {
      String key = it.next();
      if (!ok.contains(key)) {
        throw new KerasFileException(file, name, "operation " + qualified + " option " + key + "=" + config.get(key)
            + " is not supported");
      }
    }
  }

  private static ObjectNode entry(String kerasClass, String name) {
    ObjectNode e = KerasLayers.JSON.objectNode();
    e.put("module", "keras.layers").put("class_name", kerasClass).putNull("registered_name");
    e.putObject("config").put("name", name);
    return e;
  }
}
