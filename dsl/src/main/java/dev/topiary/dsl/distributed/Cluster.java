package dev.topiary.dsl.distributed;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * The workers of a multi-worker fit, in order (task {@code i} is {@code workers().get(i)}), as the
 * worker launcher and the chief both read them. Its fingerprint names the TF job ({@link #jobName()}),
 * so a worker started with another list of workers has other device names, and a graph built for
 * this cluster cannot be placed on it.
 *
 * <p>Checks: {@code host:port} entries ({@code [v6]:port} for IPv6 literals), no duplicates, and no
 * mix of loopback and external hosts (a loopback entry would make every other machine talk to
 * itself; TF's servers have no authentication, so a cluster is either all on this machine or all on
 * a private network).
 */
public record Cluster(List<String> workers) {
  private static final int MAX_WORKERS = 1024;

  public Cluster {
    workers = List.copyOf(workers);
    if (workers.isEmpty()) {
      throw new IllegalArgumentException("a cluster needs at least one worker address (host:port)");
    }
    if (workers.size() > MAX_WORKERS) {
      throw new IllegalArgumentException("a cluster of " + workers.size() + " workers; at most " + MAX_WORKERS);
    }
    Set<String> seen = new HashSet<>();
    Boolean loopback = null;
    String first = null;
    for (String w : workers) {
      String host = host(w);
      port(w);
      if (!seen.add(w)) {
        throw new IllegalArgumentException("worker address '" + w + "' appears twice in the cluster " + workers);
      }
      boolean local = isLoopback(host);
      if (loopback == null) {
        loopback = local;
        first = w;
      } else if (loopback != local) {
        throw new IllegalArgumentException("the cluster " + workers + " mixes loopback and external addresses ('"
            + first + "' is " + (loopback ? "" : "not ") + "loopback, '" + w + "' is " + (local ? "" : "not ")
            + "loopback): use 127.0.0.1 for every worker on one machine, or private-network addresses for all");
      }
    }
  }

  /** A comma-separated list of {@code host:port}, as {@code --cluster} takes it. */
  public static Cluster parse(String csv) {
    if (csv == null || csv.isBlank()) {
      throw new IllegalArgumentException("empty cluster: give the workers as host:port,host:port,...");
    }
    return new Cluster(List.of(csv.trim().split("\\s*,\\s*")));
  }

  public int size() {
    return workers.size();
  }

  public String address(int task) {
    return workers.get(task);
  }

  /** SHA-256 of the ordered worker list: the cluster's identity. */
  public String fingerprint() {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(String.join(",", workers).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** The TF job name every worker of this cluster serves: {@code topiary_} + 16 hex digits of the fingerprint. */
  public String jobName() {
    return "topiary_" + fingerprint().substring(0, 16);
  }

  /** The CPU device of task {@code task}, as TF names it. */
  public String device(int task) {
    return "/job:" + jobName() + "/replica:0/task:" + task + "/device:CPU:0";
  }

  /** The task that resolves collective groups (TF's {@code collective_group_leader}). */
  public String groupLeader() {
    return "/job:" + jobName() + "/replica:0/task:0";
  }

  static String host(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("worker address '" + address + "' is not host:port");
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      throw new IllegalArgumentException("worker address '" + address + "': write IPv6 hosts in brackets, [::1]:port");
    }
    if (host.isEmpty() || !host.matches("[A-Za-z0-9.:_-]+")) {
      throw new IllegalArgumentException("worker address '" + address + "' has no valid host");
    }
    return host;
  }

  static int port(String address) {
    String port = address.substring(address.lastIndexOf(':') + 1);
    int value;
    try {
      value = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      value = -1;
    }
    if (value < 1 || value > 65535) {
      throw new IllegalArgumentException("worker address '" + address + "' has port '" + port
          + "'; give a port in 1..65535");
    }
    return value;
  }

  private static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("worker host '" + host + "' does not resolve: " + e.getMessage(), e);
    }
  }
}
