package dev.topiary.samples.mnist;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Command-line options of the MNIST example. */
record Cli(Path dataDir, Path json, List<Double> targets, int frequency, boolean quiet) {
  static final String USAGE = "options: [--data DIR] [--json FILE] [--targets 0.8,0.9,0.95] [--frequency 10] [--quiet]";

  static Cli parse(String[] args) {
    Path data = null;
    Path json = null;
    List<Double> targets = List.of(0.8, 0.9, 0.95);
    int frequency = 10;
    boolean quiet = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--data" -> data = Path.of(value(args, ++i, "--data"));
        case "--json" -> json = Path.of(value(args, ++i, "--json"));
        case "--targets" -> {
          targets = new ArrayList<>();
          for (String t : value(args, ++i, "--targets").split(",")) {
            targets.add(Double.parseDouble(t.trim()));
          }
        }
        case "--frequency" -> frequency = Integer.parseInt(value(args, ++i, "--frequency"));
        case "--quiet" -> quiet = true;
        default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'; " + USAGE);
      }
    }
    return new Cli(data, json, targets, frequency, quiet);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value; " + USAGE);
    }
    return args[i];
  }
}
