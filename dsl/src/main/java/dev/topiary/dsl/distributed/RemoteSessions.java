package dev.topiary.dsl.distributed;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_CloseSession;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteDeviceList;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteGraph;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteSession;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteSessionOptions;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteStatus;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeviceListCount;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeviceListIncarnation;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeviceListName;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GetCode;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_Message;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewGraph;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewSession;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewSessionOptions;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewStatus;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SessionListDevices;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetConfig;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetTarget;

import dev.topiary.dsl.graph.NativeGraphs;
import java.lang.reflect.Constructor;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.internal.c_api.TF_DeviceList;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.proto.ConfigProto;

/**
 * Sessions that run on a TF server ({@code grpc://host:port}). TF Java 1.1 has no public session
 * constructor with a target (and ignores {@code cluster_def} in a ConfigProto), so this goes through
 * the C API ({@code TF_SetTarget} + {@code TF_NewSession}) and wraps the handle with {@link Session}'s
 * package-private {@code (Graph, TF_Session)} constructor. On the module path that reflection needs
 * {@code --add-opens tensorflow/org.tensorflow=ALL-UNNAMED}.
 */
final class RemoteSessions {
  private RemoteSessions() {}

  /**
   * The session config of every distributed session: the collective group leader (as on the
   * servers), a timeout for every operation (a dead peer fails a step instead of hanging it), and
   * state isolated per session (variables die with the session instead of staying on the server
   * for the next fit to find).
   */
  static ConfigProto config(Cluster cluster, Duration timeout) {
    return ConfigProto.newBuilder()
        .setOperationTimeoutInMs(timeout.toMillis())
        .setIsolateSessionState(true)
        .setExperimental(ConfigProto.Experimental.newBuilder().setCollectiveGroupLeader(cluster.groupLeader()))
        .build();
  }

  /** A session on {@code graph} (already complete) running on the server at {@code address}. */
  static Session open(Graph graph, String address, ConfigProto config) {
    TF_Status status = TF_NewStatus();
    TF_SessionOptions options = options(address, config, status);
    try {
      TF_Session[] handle = new TF_Session[1];
      NativeGraphs.withHandle(graph, g -> {
        handle[0] = TF_NewSession(g, options, status);
        check(status, address);
      });
      Constructor<Session> c = Session.class.getDeclaredConstructor(Graph.class, TF_Session.class);
      c.setAccessible(true);
      return c.newInstance(graph, handle[0]);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot open a TF session on " + address + " through TF Java's package-private"
          + " Session(Graph, TF_Session) constructor (on the module path add --add-opens"
          + " tensorflow/org.tensorflow=ALL-UNNAMED): " + e, e);
    } finally {
      TF_DeleteSessionOptions(options);
      TF_DeleteStatus(status);
    }
  }

  /**
   * The devices the server at {@code address} sees in its cluster, by name, with their incarnation
   * (a random number each TF process draws at start: two views of a task agree on it only if they
   * talk to the same process).
   */
  static Map<String, Long> devices(String address, ConfigProto config) {
    TF_Status status = TF_NewStatus();
    TF_SessionOptions options = options(address, config, status);
    TF_Graph graph = TF_NewGraph();
    TF_Session session = null;
    try {
      session = TF_NewSession(graph, options, status);
      check(status, address);
      TF_DeviceList list = TF_SessionListDevices(session, status);
      check(status, address);
      try {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < TF_DeviceListCount(list); i++) {
          BytePointer name = TF_DeviceListName(list, i, status);
          check(status, address);
          long incarnation = TF_DeviceListIncarnation(list, i, status);
          check(status, address);
          out.put(name.getString(), incarnation);
        }
        return out;
      } finally {
        TF_DeleteDeviceList(list);
      }
    } finally {
      if (session != null) {
        TF_CloseSession(session, status);
        TF_DeleteSession(session, status);
      }
      TF_DeleteGraph(graph);
      TF_DeleteSessionOptions(options);
      TF_DeleteStatus(status);
    }
  }

  private static TF_SessionOptions options(String address, ConfigProto config, TF_Status status) {
    TF_SessionOptions options = TF_NewSessionOptions();
    TF_SetTarget(options, "grpc://" + address);
    byte[] bytes = config.toByteArray();
    try (BytePointer pointer = new BytePointer(bytes)) {
      TF_SetConfig(options, pointer, bytes.length, status);
    }
    check(status, address);
    return options;
  }

  private static void check(TF_Status status, String address) {
    if (TF_GetCode(status) != 0) {
      throw new IllegalStateException("TF session on worker " + address + ": " + TF_Message(status).getString());
    }
  }
}
