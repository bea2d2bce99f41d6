package dev.topiary.dsl.distributed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Server;
import org.tensorflow.proto.ClusterDef;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.JobDef;
import org.tensorflow.proto.ServerDef;

/**
 * The worker launcher: one per machine of a multi-worker fit, each in its own JVM (TF servers cannot
 * be stopped cleanly; the process ends with Ctrl-C or a kill). It hosts a TF gRPC server for task
 * {@code --index} of {@code --cluster} and waits; the chief's {@code fit} builds and runs the
 * graphs on it.
 *
 * <pre>
 * java -cp CLASSPATH dev.topiary.dsl.distributed.Worker --cluster 10.0.0.1:2222,10.0.0.2:2222 --index 0
 * java -cp CLASSPATH dev.topiary.dsl.distributed.Worker --cluster ... --index 0 --input com.acme.MyInput
 * TF_CONFIG='{"cluster":{"worker":["10.0.0.1:2222","10.0.0.2:2222"]},"task":{"type":"worker","index":0}}' java -cp CLASSPATH dev.topiary.dsl.distributed.Worker
 * </pre>
 *
 * <p>The server serves the job {@link Cluster#jobName()}, named by the cluster's fingerprint: graphs
 * built for another cluster cannot be placed on it, and the chief checks every worker's view of the
 * cluster before training. With {@code --input} (a {@link WorkerInput}), the worker reads its own
 * data for fits that ask for it ({@code Distribution.multiWorker(...).workerInput(steps)}).
 *
 * <p>TF's gRPC server has no authentication and listens on all interfaces whatever host the address
 * names ({@code grpc_server_lib.cc} binds {@code 0.0.0.0:port}): run workers on a private network only.
 */
public final class Worker {
  private Worker() {}

  /** Task and cluster from the arguments, else from {@code TF_CONFIG}. */
  record Task(Cluster cluster, int index) {
    Task {
      if (index < 0 || index >= cluster.size()) {
        throw new IllegalArgumentException("worker index " + index + " is outside the cluster of " + cluster.size()
            + " workers " + cluster.workers() + " (indexes 0.." + (cluster.size() - 1) + ")");
      }
    }

    static Task parse(String[] args, String tfConfig) {
      String cluster = null;
      Integer index = null;
      for (int i = 0; i < args.length; i++) {
        String value = i + 1 < args.length ? args[i + 1] : null;
        switch (args[i]) {
          case "--cluster" -> cluster = require(value, "--cluster");
          case "--index" -> index = integer(require(value, "--index"));
          default -> throw new IllegalArgumentException("unknown argument '" + args[i]
              + "'; usage: Worker --cluster host:port,host:port,... --index i [--input class] (or the TF_CONFIG variable)");
        }
        i++;
      }
      if (cluster != null || index != null) {
        if (cluster == null || index == null) {
          throw new IllegalArgumentException("give both --cluster and --index");
        }
        return new Task(Cluster.parse(cluster), index);
      }
      if (tfConfig == null || tfConfig.isBlank()) {
        throw new IllegalArgumentException("usage: Worker --cluster host:port,host:port,... --index i"
            + " (or set TF_CONFIG as for tf.distribute)");
      }
      return fromTfConfig(tfConfig);
    }

    /** {@code {"cluster": {"worker": [...]}, "task": {"type": "worker", "index": i}}}, as tf.distribute reads it. */
    static Task fromTfConfig(String json) {
      JsonNode root;
      try {
        root = new ObjectMapper().readTree(json);
      } catch (IOException e) {
        throw new IllegalArgumentException("TF_CONFIG is not JSON: " + e.getMessage(), e);
      }
      JsonNode workers = root.path("cluster").path("worker");
      if (!workers.isArray() || workers.isEmpty()) {
        throw new IllegalArgumentException("TF_CONFIG has no cluster.worker list of host:port");
      }
      root.path("cluster").fieldNames().forEachRemaining(job -> {
        if (!job.equals("worker")) {
          throw new IllegalArgumentException("TF_CONFIG lists the job '" + job + "'; Topiary's synchronous all-reduce"
              + " training has workers only (no chief or ps tasks: the chief is the JVM that calls fit)");
        }
      });
      String type = root.path("task").path("type").asText("worker");
      if (!type.equals("worker")) {
        throw new IllegalArgumentException("TF_CONFIG task type '" + type + "'; only 'worker' tasks exist here");
      }
      if (!root.path("task").path("index").isInt()) {
        throw new IllegalArgumentException("TF_CONFIG has no integer task.index");
      }
      List<String> list = new ArrayList<>();
      workers.forEach(w -> list.add(w.asText()));
      return new Task(new Cluster(list), root.path("task").path("index").asInt());
    }

    static String require(String value, String flag) {
      if (value == null) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      return value;
    }

    private static int integer(String value) {
      try {
        return Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--index takes an integer, got '" + value + "'");
      }
    }
  }

  /** The server definition of task {@code index}: the collective group leader is task 0, as on the chief. */
  static ServerDef serverDef(Cluster cluster, int index) {
    JobDef.Builder job = JobDef.newBuilder().setName(cluster.jobName());
    for (int i = 0; i < cluster.size(); i++) {
      job.putTasks(i, cluster.address(i));
    }
    return ServerDef.newBuilder()
        .setCluster(ClusterDef.newBuilder().addJob(job))
        .setJobName(cluster.jobName())
        .setTaskIndex(index)
        .setProtocol("grpc")
        .setDefaultSessionConfig(ConfigProto.newBuilder().setExperimental(
            ConfigProto.Experimental.newBuilder().setCollectiveGroupLeader(cluster.groupLeader())))
        .build();
  }

  /** Refuses to serve an address that is not this machine's (a wrong --index would otherwise serve another's). */
  static void requireOwnAddress(Task task) {
    String host = Cluster.host(task.cluster().address(task.index()));
    try {
      InetAddress address = InetAddress.getByName(host);
      if (!address.isLoopbackAddress() && !address.isAnyLocalAddress()
          && NetworkInterface.getByInetAddress(address) == null) {
        throw new IllegalArgumentException("worker " + task.index() + " of the cluster is " + task.cluster().address(task.index())
            + ", but " + host + " is not an address of this machine: check --index");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot check that " + host + " is this machine's address: " + e, e);
    }
  }

  public static void main(String[] args) throws SocketException {
    Task task;
    WorkerInput input;
    try {
      String inputClass = null;
      List<String> rest = new ArrayList<>();
      for (int i = 0; i < args.length; i++) {
        if (args[i].equals("--input")) {
          inputClass = Task.require(i + 1 < args.length ? args[i + 1] : null, "--input");
          i++;
        } else {
          rest.add(args[i]);
        }
      }
      task = Task.parse(rest.toArray(new String[0]), System.getenv("TF_CONFIG"));
      requireOwnAddress(task);
      input = inputClass == null ? null : instantiate(inputClass);
    } catch (IllegalArgumentException e) {
      System.err.println("topiary worker: " + e.getMessage());
      System.exit(2);
      return;
    }
    serve(task, input);
  }

  /**
   * Serves task {@code index} of {@code cluster} from a program of your own (the launcher's
   * {@code main} does the same with {@code --input}): starts the TF server, answers the chief's
   * requests for batches from {@code input} (null: this worker has no input of its own, the chief
   * feeds it), and blocks until the process is killed.
   */
  public static void serve(List<String> cluster, int index, @org.jspecify.annotations.Nullable WorkerInput input) {
    Task task = new Task(new Cluster(cluster), index);
    requireOwnAddress(task);
    serve(task, input);
  }

  private static void serve(Task task, @org.jspecify.annotations.Nullable WorkerInput input) {
    Server server = new Server(serverDef(task.cluster(), task.index()));
    server.start();
    new WorkerFeeder(task.cluster(), task.index(), input).start();
    Cluster c = task.cluster();
    System.out.println("topiary worker " + task.index() + " of " + c.size() + " ready on " + c.address(task.index())
        + " (TF listens on all interfaces, port " + Cluster.port(c.address(task.index())) + "); cluster "
        + c.workers() + ", fingerprint " + c.fingerprint().substring(0, 16)
        + (input == null ? "" : "; input " + input.getClass().getName()));
    System.out.flush();
    server.join(); // until the process is killed: TF has no clean server shutdown
  }

  /** A {@link WorkerInput} class on the class path, by its public no-argument constructor. */
  static WorkerInput instantiate(String className) {
    Class<?> type;
    try {
      // Loaded without initialising: a class that is not a WorkerInput must not get to run its static
      // initialiser (any code) before it is refused.
      type = Class.forName(className, false, Worker.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalArgumentException("--input " + className + ": no such class on the worker's class path");
    }
    if (!WorkerInput.class.isAssignableFrom(type)) {
      throw new IllegalArgumentException("--input " + className + " does not implement " + WorkerInput.class.getName());
    }
    try {
      return (WorkerInput) type.getConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("--input " + className + " needs a public no-argument constructor: " + e, e);
    }
  }
}
