package dev.topiary.dsl.config;

import dev.topiary.dsl.layers.BuiltInLayers;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.ops.GlobalPruningSpec;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.mask.MaskStrategy;
import dev.topiary.ops.mask.StrategyRegistry;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.ops.schedule.PruningSchedule;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * How layers, schedules and mask strategies turn into config settings and back. Built-ins are
 * registered here; custom layers and schedules register under a name of their own, custom mask
 * strategies in {@link StrategyRegistry} (it lives in the ops module). An unknown name in a config
 * fails naming it; nothing falls back to a default.
 */
public final class ConfigRegistry {
  private static final Map<String, LayerType<?>> LAYERS = new ConcurrentHashMap<>();
  /** The same types by layer class (exact class: a subclass may compute something else). */
  private static final Map<Class<?>, LayerType<?>> BY_CLASS = new ConcurrentHashMap<>();
  private static final Map<String, ScheduleCodec<?>> SCHEDULES = new ConcurrentHashMap<>();

  /** How one schedule class is written and read. */
  private record ScheduleCodec<S extends PruningSchedule>(
      Class<S> type, Function<S, Settings> write, Function<Settings, S> read) {
    Settings writeAny(PruningSchedule s) {
      return write.apply(type.cast(s));
    }
  }

  static {
    BuiltInLayers.codecs().forEach(ConfigRegistry::registerLayer);
    registerSchedule("ConstantSparsity", ConstantSparsity.class,
        s -> Settings.of("ConstantSparsity").put("target", s.target()).put("begin", s.beginStep())
            .put("end", s.endStep()).put("frequency", s.frequency()),
        c -> ConstantSparsity.of(c.getDouble("target"), c.getLong("begin"), c.getLong("end"), c.getLong("frequency")));
    registerSchedule("PolynomialDecay", PolynomialDecay.class,
        s -> Settings.of("PolynomialDecay").put("initial_sparsity", s.initialSparsity())
            .put("final_sparsity", s.finalSparsity()).put("begin", s.beginStep()).put("end", s.endStep())
            .put("power", s.power()).put("frequency", s.frequency()),
        c -> PolynomialDecay.of(c.getDouble("initial_sparsity"), c.getDouble("final_sparsity"), c.getLong("begin"),
            c.getLong("end"), c.getDouble("power"), c.getLong("frequency")));
  }

  private ConfigRegistry() {}

  /**
   * Registers a layer type: reads layers of its type name with its reader (replacing an earlier
   * registration of that name), and gives back ends its parts (Keras form, TFLite lowering, sparse
   * translation) by its class. Built-in layers register theirs from {@link BuiltInLayers}.
   */
  public static void registerLayer(LayerType<?> type) {
    LayerType<?> earlier = LAYERS.put(type.typeName(), type);
    if (earlier != null && earlier.type() != type.type()) {
      BY_CLASS.remove(earlier.type(), earlier);
    }
    if (type.type() != Layer.class) {
      BY_CLASS.put(type.type(), type);
    }
  }

  /**
   * The registered type of layers of exactly {@code layerClass}, with the parts back ends look up (Keras
   * form, TFLite lowering, sparse translation), if that class is registered.
   */
  public static java.util.Optional<LayerType<?>> layerType(Class<?> layerClass) {
    return java.util.Optional.ofNullable(BY_CLASS.get(layerClass));
  }

  /** The registered type named {@code typeName}, if any. */
  public static java.util.Optional<LayerType<?>> layerType(String typeName) {
    return java.util.Optional.ofNullable(LAYERS.get(typeName));
  }

  /** Every registered layer type, by type name. */
  public static java.util.List<LayerType<?>> registeredLayerTypes() {
    return LAYERS.values().stream().sorted(java.util.Comparator.comparing(LayerType::typeName)).toList();
  }

  /** Reads layers of type {@code typeName} (the layer's {@link Layer#typeName()}) with {@code factory}. */
  public static void registerLayer(String typeName, Function<Settings, ? extends Layer> factory) {
    registerLayer(LayerType.of(typeName, Layer.class, factory));
  }

  /** The registered layer type names, sorted. */
  public static java.util.SortedSet<String> layerTypes() {
    return new java.util.TreeSet<>(LAYERS.keySet());
  }

  /** Writes and reads schedules of {@code type} under {@code name}. */
  public static <S extends PruningSchedule> void registerSchedule(
      String name, Class<S> type, Function<S, Settings> write, Function<Settings, S> read) {
    SCHEDULES.put(name, new ScheduleCodec<>(type, write, read));
  }

  /**
   * A layer of a registered type from its settings (for wrappers that hold an inner layer).
   *
   * @throws IllegalArgumentException naming the type and the known types when {@code typeName} is unknown
   */
  public static Layer readLayer(String typeName, Settings settings) {
    LayerType<?> codec = LAYERS.get(typeName);
    if (codec == null) {
      throw new IllegalArgumentException("unknown layer type '" + typeName + "'; register custom layers with"
          + " ConfigRegistry.registerLayer before loading (known: " + String.join(", ", layerTypes()) + ")");
    }
    return codec.read(settings);
  }

  static Settings writePruning(PruningSpec spec) {
    Settings scheduleSettings = writeSchedule(spec.schedule());
    return Settings.of("pruning").put("schedule", scheduleSettings.asMap()).put("strategy", strategy(spec.strategy()).asMap());
  }

  /**
   * A global pruning group's settings, written once per model ({@code "pruning_groups"}); its layers
   * refer to it by name.
   */
  static Settings writeGroup(GlobalPruningSpec group) {
    return Settings.of("pruning group").put("name", group.name()).put("schedule", writeSchedule(group.schedule()).asMap())
        .put("normalization", group.normalization().name()).put("keep_at_least", group.minKept())
        .put("at_most_sparsity", Double.parseDouble(Float.toString(group.maxSparsity())));
  }

  static GlobalPruningSpec readGroup(Settings group) {
    group.requireOnly("name", "schedule", "normalization", "keep_at_least", "at_most_sparsity");
    String name = group.getString("name");
    PruningSchedule schedule = readSchedule(group.getObject("schedule", "pruning group '" + name + "' schedule"),
        "pruning group '" + name + "'");
    GlobalPruningSpec.Normalization normalization;
    try {
      normalization = GlobalPruningSpec.Normalization.valueOf(group.getString("normalization"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("pruning group '" + name + "': unknown normalization '"
          + group.getString("normalization") + "' (known: " + java.util.Arrays.toString(GlobalPruningSpec.Normalization.values()) + ")");
    }
    return new GlobalPruningSpec(name, schedule, normalization, group.getLong("keep_at_least"),
        (float) group.getDouble("at_most_sparsity"));
  }

  private static Settings writeSchedule(PruningSchedule schedule) {
    String name = null;
    ScheduleCodec<?> codec = null;
    for (var e : SCHEDULES.entrySet()) {
      if (e.getValue().type() == schedule.getClass()) {
        name = e.getKey();
        codec = e.getValue();
      }
    }
    if (codec == null) {
      throw new UnsupportedOperationException("schedule " + schedule.getClass().getName() + " is not registered:"
          + " call ConfigRegistry.registerSchedule to save models that use it");
    }
    return codec.writeAny(schedule).put("type", name);
  }

  /** The strategy's registered name and parameters; an unregistered strategy fails, naming it. */
  private static Settings strategy(MaskStrategy s) {
    return new Settings("strategy", StrategyRegistry.write(s));
  }

  static PruningSpec readPruning(Settings pruning) {
    PruningSchedule s = readSchedule(pruning.getObject("schedule", pruning.owner() + " schedule"), pruning.owner());
    Settings strategy = pruning.getObject("strategy", pruning.owner() + " strategy");
    MaskStrategy m = StrategyRegistry.read(strategy.asMap(), strategy.owner());
    return new PruningSpec(s, m);
  }

  private static PruningSchedule readSchedule(Settings schedule, String owner) {
    String type = schedule.getString("type");
    ScheduleCodec<?> codec = SCHEDULES.get(type);
    if (codec == null) {
      throw new IllegalArgumentException(owner + ": unknown schedule type '" + type
          + "'; register custom schedules with ConfigRegistry.registerSchedule before loading (known: "
          + new java.util.TreeSet<>(SCHEDULES.keySet()) + ")");
    }
    return codec.read().apply(schedule);
  }
}
