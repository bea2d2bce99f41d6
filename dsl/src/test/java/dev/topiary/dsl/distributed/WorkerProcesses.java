package dev.topiary.dsl.distributed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Worker JVMs on 127.0.0.1 for tests and benchmarks: each runs {@link Worker} with the test class
 * path, on ports picked free; {@link #close()} kills them all (TF servers have no clean stop).
 */
public final class WorkerProcesses implements AutoCloseable {
  private final List<String> addresses;
  private final Path logs;
  private final List<Process> processes = new ArrayList<>();
  /** Further launcher arguments (e.g. {@code --input class}). */
  private final List<String> extraArgs;
  private final Map<String, String> environment;

  private WorkerProcesses(List<String> addresses, Path logs, List<String> extraArgs, Map<String, String> environment) {
    this.addresses = List.copyOf(addresses);
    this.logs = logs;
    this.extraArgs = List.copyOf(extraArgs);
    this.environment = Map.copyOf(environment);
    for (int i = 0; i < addresses.size(); i++) {
      processes.add(null);
    }
  }

  /** {@code n} workers of one cluster on free loopback ports, started and ready. */
  public static WorkerProcesses start(int n, Path logs) throws IOException, InterruptedException {
    return start(n, logs, List.of(), Map.of());
  }

  /**
   * {@code n} workers started with {@code extraArgs} after the cluster flags (e.g. {@code --input
   * class}) and {@code environment} added to theirs.
   */
  public static WorkerProcesses start(int n, Path logs, List<String> extraArgs, Map<String, String> environment)
      throws IOException, InterruptedException {
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      addresses.add("127.0.0.1:" + freePort(addresses));
    }
    WorkerProcesses w = new WorkerProcesses(addresses, logs, extraArgs, environment);
    try {
      w.startAll();
    } catch (IOException | InterruptedException | RuntimeException e) {
      w.close();
      throw e;
    }
    return w;
  }

  /**
   * The first {@code running} workers of a cluster of {@code size} free loopback ports, started and
   * ready; the other addresses are in their {@code --cluster} list but nothing listens there.
   */
  public static WorkerProcesses startFirst(int running, int size, Path logs) throws IOException, InterruptedException {
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      addresses.add("127.0.0.1:" + freePort(addresses));
    }
    WorkerProcesses w = new WorkerProcesses(addresses, logs, List.of(), Map.of());
    try {
      w.start(running);
    } catch (IOException | InterruptedException | RuntimeException e) {
      w.close();
      throw e;
    }
    return w;
  }

  public List<String> addresses() {
    return addresses;
  }

  public Cluster cluster() {
    return new Cluster(addresses);
  }

  /** Starts every worker that is not running (all of them, after {@link #killAll()}), in parallel. */
  public void startAll() throws IOException, InterruptedException {
    start(addresses.size());
  }

  private void start(int count) throws IOException, InterruptedException {
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (processes.get(i) == null || !processes.get(i).isAlive()) {
        ready.add(launch(i));
      }
    }
    for (CompletableFuture<Void> f : ready) {
      try {
        f.get(120, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException("a worker did not start: " + e.getMessage() + "\n" + logText(), e);
      }
    }
  }

  private CompletableFuture<Void> launch(int i) throws IOException {
    Files.createDirectories(logs);
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), Worker.class.getName(), "--cluster", String.join(",", addresses),
        "--index", Integer.toString(i)));
    command.addAll(extraArgs);
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(logs.resolve("worker-" + i + ".err").toFile());
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    pb.environment().putAll(environment);
    Process p = pb.start();
    processes.set(i, p);
    return CompletableFuture.runAsync(() -> {
      // Not closed here: the drain thread keeps reading so the worker never blocks on a full pipe.
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      try {
        line = out.readLine();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      if (line == null || !line.contains("ready")) {
        throw new IllegalStateException("worker " + i + " printed " + line);
      }
      Thread drain = new Thread(() -> {
        try (out) {
          while (out.readLine() != null) {
            // discard
          }
        } catch (IOException ignored) {
          // the worker was killed
        }
      }, "worker-" + i + "-stdout");
      drain.setDaemon(true);
      drain.start();
    });
  }

  /** Kills worker {@code i} without warning (SIGKILL) and waits for it to exit. */
  public void kill(int i) throws InterruptedException {
    Process p = processes.get(i);
    if (p != null) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** Stops worker {@code i} (SIGSTOP): a hung process, which still accepts TCP connections. */
  public void suspend(int i) throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-STOP", Long.toString(processes.get(i).pid())).inheritIO().start().waitFor();
  }

  public void killAll() throws InterruptedException {
    for (int i = 0; i < processes.size(); i++) {
      kill(i);
    }
  }

  public String logText() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < addresses.size(); i++) {
      Path f = logs.resolve("worker-" + i + ".err");
      try {
        b.append("worker ").append(i).append(": ").append(Files.exists(f) ? Files.readString(f) : "(no log)").append('\n');
      } catch (IOException e) {
        b.append(e).append('\n');
      }
    }
    return b.toString();
  }

  @Override
  public void close() throws InterruptedException {
    killAll();
  }

  private static int freePort(List<String> taken) throws IOException {
    while (true) {
      try (ServerSocket s = new ServerSocket(0)) {
        int port = s.getLocalPort();
        if (taken.stream().noneMatch(a -> a.endsWith(":" + port))) {
          return port;
        }
      }
    }
  }
}
