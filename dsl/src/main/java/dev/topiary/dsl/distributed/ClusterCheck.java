package dev.topiary.dsl.distributed;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tensorflow.proto.ConfigProto;

/**
 * The chief's checks before a multi-worker fit: every worker answers, serves this cluster's job
 * (named by its fingerprint, so a worker started with another {@code --cluster} list is refused,
 * whatever the lists differ in), is the task its address says, sees every other worker, and sees the
 * same processes as the others (TF device incarnations).
 */
final class ClusterCheck {
  private static final Pattern DEVICE = Pattern.compile("/job:([^/]+)/replica:0/task:(\\d+)/device:CPU:0");
  private static final int PROBE_MILLIS = 1000;

  private ClusterCheck() {}

  static void verify(Cluster cluster, Duration timeout) {
    for (int i = 0; i < cluster.size(); i++) {
      String unreachable = probe(cluster.address(i));
      if (unreachable != null) {
        throw new WorkerFailedException(i, cluster.address(i), "worker " + i + " (" + cluster.address(i) + ") is"
            + " unreachable (" + unreachable + "): start it with " + command(cluster, i), null);
      }
    }
    // First each worker about itself alone: one started with another --cluster list names its own job
    // at once, even when its list holds an address that is down (listing that cluster would wait on
    // it until the timeout).
    List<Map<String, Long>> selves = list(cluster, i -> ownDevices(cluster, timeout, i), timeout, "answer about itself");
    for (int i = 0; i < cluster.size(); i++) {
      checkIdentity(cluster, i, selves.get(i));
    }
    ConfigProto config = RemoteSessions.config(cluster, timeout);
    List<Map<String, Long>> views = list(cluster, i -> config, timeout, "list its cluster's devices");
    for (int i = 0; i < cluster.size(); i++) {
      checkMembers(cluster, i, views.get(i));
    }
    // Each worker's view of task k must be the process task k itself reports.
    for (int k = 0; k < cluster.size(); k++) {
      Long own = views.get(k).get(cluster.device(k));
      for (int i = 0; i < cluster.size(); i++) {
        Long seen = views.get(i).get(cluster.device(k));
        if (seen != null && !seen.equals(own)) {
          throw new WorkerFailedException(i, cluster.address(i), "worker " + i + " (" + cluster.address(i) + ") reaches"
              + " another process as task " + k + " than the one at " + cluster.address(k) + ": the workers were started"
              + " with different clusters; restart them with the same --cluster list", null);
        }
      }
    }
  }

  /**
   * Every worker's device listing under {@code config(i)}, asked of all workers at once; a worker that
   * fails or does not answer within {@code timeout} fails the check naming it.
   */
  private static List<Map<String, Long>> list(Cluster cluster, IntFunction<ConfigProto> config, Duration timeout,
      String what) {
    ExecutorService pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "topiary-cluster-check");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Map<String, Long>>> futures = new ArrayList<>();
      for (int i = 0; i < cluster.size(); i++) {
        String address = cluster.address(i);
        ConfigProto c = config.apply(i);
        futures.add(pool.submit(() -> RemoteSessions.devices(address, c)));
      }
      List<Map<String, Long>> views = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      for (int i = 0; i < cluster.size(); i++) {
        try {
          views.add(futures.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (ExecutionException e) {
          throw new WorkerFailedException(i, cluster.address(i), "worker " + i + " (" + cluster.address(i)
              + ") does not answer as a TF server: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
          throw new WorkerFailedException(i, cluster.address(i), "worker " + i + " (" + cluster.address(i)
              + ") did not " + what + " within " + timeout + " (is every worker of its own cluster up?)", e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while checking the cluster", e);
        }
      }
      return views;
    } finally {
      pool.shutdownNow();
    }
  }

  /** A listing filtered to worker {@code i}'s own devices: the worker answers without its peers. */
  private static ConfigProto ownDevices(Cluster cluster, Duration timeout, int i) {
    return RemoteSessions.config(cluster, timeout).toBuilder()
        .addDeviceFilters("/job:" + cluster.jobName() + "/task:" + i).build();
  }

  /** Worker {@code i} serves this cluster's job (its fingerprint) as task {@code i}. */
  private static void checkIdentity(Cluster cluster, int i, Map<String, Long> view) {
    String address = cluster.address(i);
    for (String device : view.keySet()) {
      Matcher m = DEVICE.matcher(device);
      if (!m.find()) {
        continue; // other device types
      }
      if (!m.group(1).equals(cluster.jobName())) {
        throw new WorkerFailedException(i, address, "worker " + i + " (" + address + ") was started with another"
            + " cluster (it serves job " + m.group(1) + ", this cluster of " + cluster.size() + " workers " + cluster.workers()
            + " is job " + cluster.jobName() + "): restart it with " + command(cluster, i), null);
      }
    }
    String first = view.keySet().stream().filter(d -> DEVICE.matcher(d).find()).findFirst().orElse(null);
    if (first == null || !first.contains("/task:" + i + "/")) {
      throw new WorkerFailedException(i, address, "the server at " + address + " is not task " + i + " of the cluster"
          + " (its first device is " + first + "): restart it with " + command(cluster, i), null);
    }
  }

  /** Worker {@code i} sees every worker of the cluster. */
  private static void checkMembers(Cluster cluster, int i, Map<String, Long> view) {
    for (int k = 0; k < cluster.size(); k++) {
      if (!view.containsKey(cluster.device(k))) {
        throw new WorkerFailedException(k, cluster.address(k), "worker " + i + " (" + cluster.address(i) + ") does not"
            + " see worker " + k + " (" + cluster.address(k) + ") in its cluster yet: is worker " + k + " up? (start it"
            + " with " + command(cluster, k) + ")", null);
      }
    }
  }

  /**
   * The first worker that does not answer a TF call about itself within {@code patience} (a hung or
   * stopped process still accepts TCP connections), or -1. Each call is filtered to the worker's own
   * devices, so a hung peer cannot stall another worker's answer.
   */
  static int unresponsive(Cluster cluster, Duration timeout, Duration patience) {
    try {
      list(cluster, i -> ownDevices(cluster, timeout, i), patience, "answer about itself");
      return -1;
    } catch (WorkerFailedException e) {
      return e.worker();
    } catch (IllegalStateException interrupted) {
      return -1;
    }
  }

  /** Null if a TCP connection to {@code address} opens within a second, else why not. */
  static String probe(String address) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(Cluster.host(address), Cluster.port(address)), PROBE_MILLIS);
      return null;
    } catch (IOException e) {
      return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
  }

  static String command(Cluster cluster, int i) {
    return "java -cp CLASSPATH " + Worker.class.getName() + " --cluster " + String.join(",", cluster.workers())
        + " --index " + i;
  }
}
