package dev.topiary.bench;

import dev.topiary.dsl.data.HostArray;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** What the benchmarks share: MNIST-shaped random data and the process's resident memory. */
final class BenchSupport {
  private BenchSupport() {}

  /** {@code n} random 28x28 images in [0, 1) with random labels 0-9, seeded by {@code n}. */
  static HostArray[] mnistShaped(int n) {
    Random r = new Random(n);
    float[] x = new float[n * 784];
    int[] y = new int[n];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(10);
    }
    return new HostArray[] {HostArray.of(x, n, 28, 28), HostArray.ofLabels(y)};
  }

  /** Resident set size of this process, kB (Linux). */
  static long rssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
