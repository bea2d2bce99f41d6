package dev.topiary.ops;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.DeviceSpec;
import org.tensorflow.ExecutionEnvironment;
import org.tensorflow.Graph;
import org.tensorflow.Operation;
import org.tensorflow.OperationBuilder;
import org.tensorflow.op.Ops;
import org.tensorflow.op.Scope;

/**
 * Name sub-scopes that cost nothing, for graphs built one sub-scope per layer or per pruned weight.
 *
 * <p>Why: in TF Java 1.1 {@code Ops.withSubScope} imports the names already used under the new prefix by
 * walking every operation of the graph through JNI, so a graph built with a sub-scope per layer costs time
 * quadratic in its size (InceptionResNetV2's 782 layers, or a pruned MobileNetV2's set-up: 6.7 s of which
 * nearly all in that walk). The new prefix is made unique by the parent scope first, exactly as
 * {@code withSubScope} makes it, so no operation made through these scopes can be under it yet and there is
 * nothing to import: {@link #of} gives the same prefix and the same operation names, without the walk. An
 * operation made under the prefix some other way (another {@code Ops} on the same graph) would be refused by
 * TF as a duplicate name, never silently renamed.
 *
 * <p>Eager scopes are returned as {@code withSubScope} makes them (it walks nothing there).
 */
public final class SubScopes {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9.][A-Za-z0-9_.\\-]*");
  private static final Pattern NUMBERED = Pattern.compile("(.+)_(\\d+)", Pattern.DOTALL);

  private SubScopes() {}

  /** {@code tf.withSubScope(name)}, with the same operation names, in constant time on a graph. */
  public static Ops of(Ops tf, String name) {
    Objects.requireNonNull(tf, "tf");
    if (!(tf.scope().env() instanceof Graph)) {
      return tf.withSubScope(name);
    }
    check(name);
    // makeOpName makes name unique among the parent's names and qualifies it with the parent's prefix: the
    // prefix withSubScope would take.
    Scope scope = new Prefixed(tf.scope(), tf.scope().makeOpName(name), new HashMap<>(), null);
    return Ops.create(new Carrier(scope));
  }

  private static void check(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid scope name '" + name + "': it must match " + NAME.pattern());
    }
  }

  /**
   * A scope under {@code prefix} with its own used names; device, control dependencies and init state come from
   * {@code base} (the parent's scope), whose naming is never used.
   */
  private record Prefixed(Scope base, String prefix, Map<String, Integer> ids, @Nullable String opName)
      implements Scope {
    @Override
    public ExecutionEnvironment env() {
      return base.env();
    }

    @Override
    public Scope withSubScope(String childScopeName) {
      check(childScopeName);
      return new Prefixed(base, makeOpName(childScopeName), new HashMap<>(), null);
    }

    @Override
    public Scope withName(String name) {
      check(name);
      return new Prefixed(base, prefix, ids, name);
    }

    @Override
    public Scope withNameAsSubScope(String name) {
      return withSubScope(name);
    }

    @Override
    public Scope withDevice(DeviceSpec deviceSpec) {
      return new Prefixed(base.withDevice(deviceSpec), prefix, ids, opName);
    }

    @Override
    public Scope withInitScope() {
      return new Prefixed(base.withInitScope(), prefix, ids, opName);
    }

    @Override
    public String makeOpName(String name) {
      check(name);
      return prefix + "/" + makeUnique(opName != null ? opName : name);
    }

    @Override
    public String makeUnique(String id) {
      Integer used = ids.get(id);
      if (used == null) {
        ids.put(id, 1);
        return id;
      }
      ids.put(id, used + 1);
      return id + "_" + used;
    }

    /** As TF Java's scopes do: learn the names already used directly under this prefix (walks the graph). */
    @Override
    public void refreshNames() {
      String under = prefix + "/";
      ((Graph) env()).operations().forEachRemaining(op -> {
        if (!op.name().startsWith(under)) {
          return;
        }
        String name = op.name().substring(under.length());
        if (name.contains("/")) {
          return;
        }
        Matcher m = NUMBERED.matcher(name);
        if (m.find()) {
          int next = Integer.parseInt(m.group(2)) + 1;
          ids.merge(m.group(1), next, Math::max);
        } else {
          ids.merge(name, 1, Integer::sum);
        }
      });
    }

    @Override
    public Scope withControlDependencyOps(Iterable<Operation> controls) {
      return new Prefixed(base.withControlDependencyOps(controls), prefix, ids, opName);
    }

    @Override
    public OperationBuilder apply(OperationBuilder builder) {
      return base.apply(builder);
    }

    @Override
    public String getDeviceString() {
      return base.getDeviceString();
    }

    @Override
    public boolean isInit() {
      return base.isInit();
    }
  }

  /**
   * Hands {@link Ops#create} a scope: its only public way to wrap one. Operations are built through the scope's
   * own {@code env()} (the graph), never through this.
   */
  private record Carrier(Scope scope) implements ExecutionEnvironment {
    @Override
    public Scope baseScope() {
      return scope;
    }

    @Override
    public OperationBuilder opBuilder(String type, String name, Scope s) {
      return scope.env().opBuilder(type, name, s);
    }

    @Override
    public void attachFunction(ConcreteFunction function) {
      scope.env().attachFunction(function);
    }

    @Override
    public void checkInput(Operation input) {
      scope.env().checkInput(input);
    }

    @Override
    public Types environmentType() {
      return scope.env().environmentType();
    }

    @Override
    public boolean isInitializer(Operation op) {
      return scope.env().isInitializer(op);
    }
  }
}
