package dev.topiary.fuzz;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the reliability tests of every file format share (dsl's, keras', tflite's, as {@link ReadFuzz}):
 * oversized files that take no disk, a small-heap JVM to read them in, and finding bytes to change.
 */
public final class HostileFiles {
  private HostileFiles() {}

  /** A sparse file of {@code size} bytes starting with {@code head}. */
  public static Path sparse(Path file, byte[] head, long size) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.write(head);
      f.setLength(size);
    }
    return file;
  }

  /**
   * Runs {@code main} in a JVM of 256 MB heap and returns what it printed (SLF4J's notice left out), or
   * "no answer: " and what it printed when it did not end within two minutes.
   */
  public static String fork(Class<?> main, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    // read on a thread of its own: a child that hangs keeps its output open, and reading it here would
    // wait for it forever instead of the two minutes
    List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        r.lines().filter(l -> !l.startsWith("SLF4J")).forEach(lines::add);
      } catch (IOException | java.io.UncheckedIOException e) {
        // the child was killed: what it printed so far is all there is
      }
    }, "fork-output");
    reader.setDaemon(true);
    reader.start();
    boolean ended = p.waitFor(120, TimeUnit.SECONDS);
    if (!ended) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    reader.join(10_000);
    String out;
    synchronized (lines) {
      out = String.join("\n", lines);
    }
    return ended ? out : "no answer: " + out;
  }

  /** The first index of {@code needle} in {@code data}, or -1. */
  public static int indexOf(byte[] data, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= data.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (data[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
