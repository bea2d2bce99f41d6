package dev.topiary.dsl.graph;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteFunction;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_FunctionName;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GetCode;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphCopyFunction;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphToFunction;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_Message;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.function.Consumer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.internal.c_api.TF_Function;
import org.tensorflow.internal.c_api.TF_FunctionOptions;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Output;
import org.tensorflow.internal.c_api.TF_Status;

/**
 * What TF Java 1.1 keeps out of reach of a graph's user, through its C API: the native handle, and
 * functions whose arguments have no Java tensor type ({@code ConcreteFunction} maps every argument to one,
 * so a TensorList (variant) argument fails there).
 */
public final class NativeGraphs {
  private NativeGraphs() {}

  /**
   * Runs {@code body} with {@code graph}'s native handle, holding a reference so the graph stays open
   * meanwhile (TF Java keeps the handle package-private).
   */
  public static void withHandle(Graph graph, Consumer<TF_Graph> body) {
    try (AutoCloseable ref = graphRef(graph)) {
      body.accept(handleOf(ref));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot reach the graph's native handle (on the module path add --add-opens"
          + " tensorflow/org.tensorflow=ALL-UNNAMED): " + e, e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Makes all of {@code body}'s operations except the {@code inputs}' a function of those inputs
   * returning {@code outputs}, attaches it to {@code target} and returns its name ({@code key} with a hash
   * of the definition appended, so equal definitions share a name and different ones never do).
   */
  public static String attachFunction(Graph target, Graph body, String key, List<Output<?>> inputs,
      List<Output<?>> outputs) {
    String[] name = new String[1];
    withHandle(body, bodyHandle -> {
      try (TF_Status status = TF_Status.newStatus();
          TF_Output in = outputs(inputs);
          TF_Output out = outputs(outputs);
          BytePointer fnName = new BytePointer(key);
          BytePointer description = new BytePointer(key)) {
        TF_Function function = TF_GraphToFunction(bodyHandle, fnName, (byte) 1, -1, (PointerPointer<?>) null,
            inputs.size(), in, outputs.size(), out, (PointerPointer<?>) null, (TF_FunctionOptions) null, description,
            status);
        check(status, "building function " + key);
        try {
          withHandle(target, targetHandle -> {
            TF_GraphCopyFunction(targetHandle, function, null, status);
            check(status, "attaching function " + key);
          });
          name[0] = TF_FunctionName(function).getString();
        } finally {
          TF_DeleteFunction(function);
        }
      }
    });
    return name[0];
  }

  private static TF_Output outputs(List<Output<?>> list) {
    TF_Output native_ = new TF_Output(Math.max(1, list.size()));
    for (int i = 0; i < list.size(); i++) {
      native_.position(i).oper(((GraphOperation) list.get(i).op()).getUnsafeNativeHandle()).index(list.get(i).index());
    }
    return native_.position(0);
  }

  private static void check(TF_Status status, String what) {
    if (TF_GetCode(status) != 0) {
      throw new IllegalStateException(what + ": " + TF_Message(status).getString());
    }
  }

  private static AutoCloseable graphRef(Graph graph) throws ReflectiveOperationException {
    Method ref = Graph.class.getDeclaredMethod("ref");
    ref.setAccessible(true);
    return (AutoCloseable) ref.invoke(graph);
  }

  private static TF_Graph handleOf(AutoCloseable ref) throws ReflectiveOperationException {
    Method handle = ref.getClass().getDeclaredMethod("nativeHandle");
    handle.setAccessible(true);
    try {
      return (TF_Graph) handle.invoke(ref);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException("the graph is closed", e.getCause());
    }
  }
}
