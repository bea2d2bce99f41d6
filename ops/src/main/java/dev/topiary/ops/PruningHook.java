package dev.topiary.ops;

import dev.topiary.ops.mask.MaskStrategy;
import dev.topiary.ops.schedule.PruningSchedule;
import dev.topiary.ops.schedule.ScheduleOps;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Pruning attached to weight variables of an existing TF Java graph: the usual way to prune inside a
 * hand-written training loop.
 *
 * <pre>{@code
 * PruningHook pruning = PruningHook.builder(tf)
 *     .prune(kernel, PruningSpec.of(PolynomialDecay.of(0.5, 0.8, 0, 1000).withFrequency(10)))
 *     .build();
 * Operand<TFloat32> k = pruning.read(kernel);   // use in the training forward pass instead of `kernel`
 * Operand<TFloat32> e = pruning.readForInference(kernel);   // for evaluation passes
 * // each training step: session.runner().addTarget(trainOp)... with `k` in the forward pass
 * // for export:         session.run(pruning.strip());
 * }</pre>
 *
 * <p>Each training step must run {@link #update()} exactly once, before the forward pass reads the
 * weights: reading them through {@link #read(Variable)} does both by construction (the read waits for
 * the update, and the update runs whenever the read does). The step counter then advances with the
 * training step itself; nothing is left to a callback.
 */
public final class PruningHook {
  private final PruningStep step;
  private final Map<Variable<TFloat32>, PrunedWeight> weights;
  private final Op update;
  private final Op strip;
  private final Map<Variable<TFloat32>, Operand<TFloat32>> reads = new LinkedHashMap<>();
  private final Ops tf;

  private PruningHook(Ops tf, PruningStep step, Map<Variable<TFloat32>, PrunedWeight> weights) {
    this.tf = tf;
    this.step = step;
    this.weights = Collections.unmodifiableMap(weights);
    List<Op> perWeight = new ArrayList<>();
    List<Op> strips = new ArrayList<>();
    for (PrunedWeight w : weights.values()) {
      perWeight.add(w.update());
      strips.add(w.strip());
    }
    Op advance = tf.withControlDependencies(perWeight).assignAdd(step.variable(), tf.constant(1L));
    this.update = tf.withControlDependencies(List.of(advance)).withName(uniqueName(tf, "pruning_update")).noOp();
    this.strip = tf.withControlDependencies(strips).withName(uniqueName(tf, "pruning_strip")).noOp();
  }

  private static String uniqueName(Ops tf, String name) {
    return tf.scope().makeUnique(name);
  }

  public static Builder builder(Ops tf) {
    return new Builder(tf);
  }

  /**
   * One training step of pruning for every weight: conditional mask updates, masks applied to the
   * weights, then the step advanced by one.
   */
  public Op update() {
    return update;
  }

  /**
   * {@code weight * mask} as the forward pass must see it, read after this step's {@link #update()},
   * which the read pulls in. Differentiate the loss with respect to this operand, and apply the
   * gradient to the variable, as usual.
   *
   * @throws IllegalArgumentException if {@code weight} is not pruned by this hook
   */
  public Operand<TFloat32> read(Variable<TFloat32> weight) {
    requirePruned(weight);
    return reads.computeIfAbsent(weight, w -> {
      // The reads themselves wait for the update: a read of a variable taken earlier could miss it.
      Ops after = tf.withControlDependencies(List.of(update));
      return after.withName(Graphs.flatName(w.op().name()) + "_pruned")
          .math.mul(after.identity(w), after.identity(weights.get(w).mask()));
    });
  }

  /**
   * {@code weight * mask} without running the pruning update: for evaluation and inference passes,
   * which must not advance the step.
   */
  public Operand<TFloat32> readForInference(Variable<TFloat32> weight) {
    requirePruned(weight);
    return weights.get(weight).masked(tf);
  }

  /** Makes every pruned weight itself sparse ({@code weight := weight * mask}), for export. */
  public Op strip() {
    return strip;
  }

  public PruningStep step() {
    return step;
  }

  /** The pruned weights, in the order they were added. */
  public List<PrunedWeight> weights() {
    return List.copyOf(weights.values());
  }

  /** The pruning state of {@code weight}. */
  public PrunedWeight weight(Variable<TFloat32> weight) {
    requirePruned(weight);
    return weights.get(weight);
  }

  /**
   * The reference's per-weight TensorBoard scalars: {@code <weight>/sparsity} and
   * {@code <weight>/threshold}, to record against {@link #step()}.
   */
  public Map<String, Operand<TFloat32>> summaries() {
    Map<String, Operand<TFloat32>> out = new LinkedHashMap<>();
    Ops scope = SubScopes.of(tf, "pruning_summaries");
    for (PrunedWeight w : weights.values()) {
      out.put(w.name() + "/sparsity", w.sparsity(scope));
      out.put(w.name() + "/threshold", w.currentThreshold(scope));
    }
    return out;
  }

  private void requirePruned(Variable<TFloat32> weight) {
    if (!weights.containsKey(weight)) {
      throw new IllegalArgumentException(
          "variable '" + weight.op().name() + "' is not pruned by this hook; pruned: "
              + weights.values().stream().map(PrunedWeight::name).toList());
    }
  }

  /** Collects the weights to prune; {@link #build()} creates the graph state once. */
  public static final class Builder {
    private final Ops tf;
    private PruningStep step;
    private final Map<Variable<TFloat32>, PruningSpec> specs = new LinkedHashMap<>();
    private final Map<GlobalPruningSpec, List<Variable<TFloat32>>> groups = new IdentityHashMap<>();

    private Builder(Ops tf) {
      TensorFlowRuntime.requireSupported();
      Graphs.requireGraph(tf, "a pruning hook");
      this.tf = tf;
    }

    /** Share an existing step (for instance with another hook); by default a new one is made. */
    public Builder step(PruningStep step) {
      this.step = step;
      return this;
    }

    /**
     * Prune {@code weight} (a float32 variable of fully known shape) as {@code spec} says.
     *
     * @throws IllegalArgumentException if the weight is not float32, is added twice, or its shape does
     *     not suit the spec's mask strategy
     */
    public Builder prune(Variable<TFloat32> weight, PruningSpec spec) {
      if (weight.type() != TFloat32.class) {
        throw new IllegalArgumentException(
            "weight '" + weight.op().name() + "' has dtype " + weight.asOutput().dataType()
                + "; only float32 weights can be pruned");
      }
      if (specs.containsKey(weight)) {
        throw new IllegalArgumentException("weight '" + weight.op().name() + "' is already pruned by this hook");
      }
      spec.strategy().validate(weight.shape());
      specs.put(weight, spec);
      return this;
    }

    /**
     * Prune {@code weights} (float32 variables of fully known shapes) as one global group: one
     * schedule, one ranking of all their magnitudes, the group keeping exactly its total (see
     * {@link GlobalPruningSpec} and {@link GlobalMagnitude} for the tie and floor rules). Each weight
     * gets the usual per-weight state ({@link PrunedWeight}: mask, threshold, update count under the
     * {@link PruningState} names); its {@link PrunedWeight#spec()} is {@code group.memberSpec()}.
     *
     * @throws IllegalArgumentException if the list is empty, a weight is not float32 or already
     *     pruned by this hook, or the floors do not fit in the group's total at the schedule's highest
     *     sparsity
     */
    public Builder pruneGlobally(java.util.List<Variable<TFloat32>> weights, GlobalPruningSpec group) {
      if (weights.isEmpty()) {
        throw new IllegalArgumentException("global pruning group '" + group.name() + "' needs at least one weight");
      }
      for (GlobalPruningSpec g : groups.keySet()) {
        if (g.name().equals(group.name())) {
          throw new IllegalArgumentException("this hook already has a global pruning group named '" + group.name() + "'");
        }
      }
      long[] sizes = new long[weights.size()];
      java.util.Set<Variable<TFloat32>> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
      for (int j = 0; j < weights.size(); j++) {
        Variable<TFloat32> weight = weights.get(j);
        if (weight.type() != TFloat32.class) {
          throw new IllegalArgumentException(
              "weight '" + weight.op().name() + "' has dtype " + weight.asOutput().dataType()
                  + "; only float32 weights can be pruned");
        }
        if (specs.containsKey(weight) || !seen.add(weight)) {
          throw new IllegalArgumentException("weight '" + weight.op().name() + "' is already pruned by this hook");
        }
        if (weight.shape().hasUnknownDimension()) {
          throw new IllegalArgumentException("weight '" + weight.op().name() + "' has shape " + weight.shape()
              + "; pruning needs a fully known shape");
        }
        sizes[j] = weight.shape().size();
      }
      group.validate(sizes);
      PruningSpec member = group.memberSpec();
      for (Variable<TFloat32> weight : weights) {
        specs.put(weight, member);
      }
      groups.put(group, List.copyOf(weights));
      return this;
    }

    public PruningHook build() {
      if (specs.isEmpty()) {
        throw new IllegalStateException("a pruning hook needs at least one weight: call prune(weight, spec)");
      }
      PruningStep theStep = step != null ? step : PruningStep.create(tf, tf.scope().makeUnique("pruning_step"));
      // Each distinct schedule is evaluated once per step (at this step and the next), shared by
      // the weights that use it.
      Map<PruningSchedule, ScheduleOps[]> decisions = new IdentityHashMap<>();
      java.util.function.Function<PruningSchedule, ScheduleOps[]> decide = schedule ->
          decisions.computeIfAbsent(schedule, s -> {
            Ops scope = SubScopes.of(tf, tf.scope().makeUnique("pruning_schedule"));
            Operand<TInt64> step = theStep.read(scope);
            return new ScheduleOps[] {s.at(scope, step), s.at(scope, scope.math.add(step, scope.constant(1L)))};
          });
      Map<Variable<TFloat32>, PrunedWeight> byWeight = new IdentityHashMap<>();
      groups.forEach((group, members) -> {
        ScheduleOps[] d = decide.apply(group.schedule());
        List<PrunedWeight> attached = GlobalGroupOps.attach(tf, members, group, d[0], d[1]);
        for (int j = 0; j < members.size(); j++) {
          byWeight.put(members.get(j), attached.get(j));
        }
      });
      // The other weights sharing a schedule and a strategy get their masks built together
      // (PrunedWeight.attach); arrays as keys compare by identity, and the map keeps the order.
      Map<ScheduleOps[], Map<MaskStrategy, List<Variable<TFloat32>>>> together = new LinkedHashMap<>();
      specs.forEach((w, spec) -> {
        if (!byWeight.containsKey(w)) {
          together.computeIfAbsent(decide.apply(spec.schedule()), k -> new LinkedHashMap<>())
              .computeIfAbsent(spec.strategy(), k -> new ArrayList<>()).add(w);
        }
      });
      together.forEach((d, byStrategy) -> byStrategy.values().forEach(members -> {
        List<PrunedWeight> attached =
            PrunedWeight.attach(tf, members, members.stream().map(specs::get).toList(), d[0], d[1]);
        for (int j = 0; j < members.size(); j++) {
          byWeight.put(members.get(j), attached.get(j));
        }
      }));
      // The hook keeps the order in which the weights were added.
      Map<Variable<TFloat32>, PrunedWeight> built = new LinkedHashMap<>();
      specs.keySet().forEach(w -> built.put(w, byWeight.get(w)));
      return new PruningHook(tf, theStep, built);
    }
  }
}
