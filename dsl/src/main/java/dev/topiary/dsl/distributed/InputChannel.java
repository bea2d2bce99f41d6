package dev.topiary.dsl.distributed;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteBuffer;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteStatus;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GetCode;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_Message;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewBufferFromString;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewStatus;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetAttr;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.bytedeco.javacpp.BytePointer;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operation;
import org.tensorflow.internal.c_api.TF_Buffer;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.op.Ops;
import org.tensorflow.op.io.FifoQueue;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * The channel between the chief and a worker's own input, inside TF: FIFO queues on the worker's CPU
 * device, shared by name between the chief's replica session and the worker's feeder session (both
 * on the worker's server). Per worker: a control queue (the chief asks for a fit's batches: which
 * epoch and batch to start from, the batch size, the component types), and per fit a data queue
 * (one element per batch: inputs, labels, sample weights) and a status queue (the worker answers
 * {@code ok} once its input is open, or the error that stopped it).
 *
 * <p>Queues are shared only between sessions that do not isolate their state, so a worker-input
 * fit's replica sessions share the server's resource manager; their variables then live in a
 * container named after the model's state ({@link #isolateState}), so another model's variables of
 * the same name never meet them. TF container names allow letters, digits, '-', '.', '/' only.
 */
final class InputChannel {
  static final String CONTAINER = "topiary-input";
  static final String OK = "ok";
  static final String ERROR = "error: ";
  /** Batches a worker reads ahead of the step that trains on them. */
  static final long DATA_CAPACITY = 2;

  private InputChannel() {}

  static FifoQueue control(Ops tf) {
    return tf.withName("worker_input_control").io.fifoQueue(List.of(TString.class), FifoQueue.container(CONTAINER),
        FifoQueue.sharedName("control"), FifoQueue.capacity(16L));
  }

  static FifoQueue data(Ops tf, String fit, List<Class<? extends TType>> types) {
    return tf.withName("worker_input_data").io.fifoQueue(types, FifoQueue.container(CONTAINER),
        FifoQueue.sharedName("data-" + fit), FifoQueue.capacity(DATA_CAPACITY));
  }

  static FifoQueue status(Ops tf, String fit) {
    return tf.withName("worker_input_status").io.fifoQueue(List.of(TString.class), FifoQueue.container(CONTAINER),
        FifoQueue.sharedName("status-" + fit), FifoQueue.capacity(16L));
  }

  /** The session config of every session that takes part in a worker-input fit: state shared by name. */
  static ConfigProto shared(ConfigProto config) {
    return config.toBuilder().setIsolateSessionState(false).build();
  }

  /** The request a chief sends worker {@code index}. */
  record Request(String fit, int index, int workers, int epoch, int batch, int batchSize, int stepsPerEpoch, long seed,
      int inputs, List<String> labelTypes) {

    String encode() {
      Properties p = new Properties();
      p.setProperty("fit", fit);
      p.setProperty("index", Integer.toString(index));
      p.setProperty("workers", Integer.toString(workers));
      p.setProperty("epoch", Integer.toString(epoch));
      p.setProperty("batch", Integer.toString(batch));
      p.setProperty("batchSize", Integer.toString(batchSize));
      p.setProperty("stepsPerEpoch", Integer.toString(stepsPerEpoch));
      p.setProperty("seed", Long.toString(seed));
      p.setProperty("inputs", Integer.toString(inputs));
      p.setProperty("labels", String.join(",", labelTypes));
      StringWriter w = new StringWriter();
      try {
        p.store(w, null);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      return w.toString();
    }

    static Request decode(String text) {
      Properties p = new Properties();
      try {
        p.load(new StringReader(text));
      } catch (IOException e) {
        throw new IllegalArgumentException("unreadable worker-input request: " + e.getMessage(), e);
      }
      String labels = p.getProperty("labels", "");
      return new Request(p.getProperty("fit"), Integer.parseInt(p.getProperty("index")),
          Integer.parseInt(p.getProperty("workers")), Integer.parseInt(p.getProperty("epoch")),
          Integer.parseInt(p.getProperty("batch")), Integer.parseInt(p.getProperty("batchSize")),
          Integer.parseInt(p.getProperty("stepsPerEpoch")), Long.parseLong(p.getProperty("seed")),
          Integer.parseInt(p.getProperty("inputs")), labels.isEmpty() ? List.of() : List.of(labels.split(",")));
    }

    /** The data queue's components: inputs (float), labels (int32 or float32), sample weights (float). */
    List<Class<? extends TType>> types() {
      return InputChannel.types(inputs, labelTypes);
    }
  }

  static List<Class<? extends TType>> types(int inputs, List<String> labelTypes) {
    List<Class<? extends TType>> types = new ArrayList<>();
    for (int i = 0; i < inputs; i++) {
      types.add(TFloat32.class);
    }
    for (String t : labelTypes) {
      types.add(t.equals("int32") ? TInt32.class : TFloat32.class);
    }
    types.add(TFloat32.class);
    return types;
  }

  /**
   * Moves every op of {@code graph} that keeps state in a resource container and names none (the
   * model's variables) into a container of its own, named by the model's state (names, types,
   * shapes): variables of another model of the same names then never meet these on a worker whose
   * sessions share state. Attributes change, no op is added.
   */
  static String isolateState(Graph graph) {
    Map<String, GraphOperation> stateful = new TreeMap<>();
    graph.operations().forEachRemaining(op -> {
      GraphOperation g = (GraphOperation) op;
      String container;
      try {
        container = g.attributes().getAttrString("container");
      } catch (RuntimeException noSuchAttr) {
        return;
      }
      if (container.isEmpty()) {
        stateful.put(op.name(), g);
      }
    });
    StringBuilder identity = new StringBuilder();
    stateful.forEach((name, op) -> identity.append(name).append(' ').append(op.type()).append(' ')
        .append(describe(op)).append('\n'));
    String container = "topiary-state-" + sha256(identity.toString()).substring(0, 16);
    byte[] bytes = AttrValue.newBuilder().setS(com.google.protobuf.ByteString.copyFromUtf8(container)).build()
        .toByteArray();
    dev.topiary.dsl.graph.NativeGraphs.withHandle(graph, handle -> {
      for (GraphOperation op : stateful.values()) {
        TF_Status status = TF_NewStatus();
        TF_Buffer buffer = TF_NewBufferFromString(new BytePointer(bytes), bytes.length);
        try {
          TF_SetAttr(handle, op.getUnsafeNativeHandle(), "container", buffer, status);
          if (TF_GetCode(status) != 0) {
            throw new IllegalStateException("cannot move " + op.name() + " into container " + container + ": "
                + TF_Message(status).getString());
          }
        } finally {
          TF_DeleteBuffer(buffer);
          TF_DeleteStatus(status);
        }
      }
    });
    return container;
  }

  private static String describe(Operation op) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < op.numOutputs(); i++) {
      b.append(op.output(i).dataType()).append(op.output(i).shape()).append(';');
    }
    return b.toString();
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
