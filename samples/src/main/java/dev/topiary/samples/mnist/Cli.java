package dev.topiary.samples.mnist;

import dev.topiary.dsl.training.Distillation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Command-line options of the MNIST example. {@code seeds} runs {@code seed, seed + 1, ...};
 * {@code methods} null keeps the sample's default variants ({@code all}: every one); {@code epochs} null keeps the defaults (dense, fine-tune).
 */
record Cli(@Nullable Path dataDir, @Nullable Path json, List<Double> targets, int frequency, boolean quiet, long seed,
    int seeds, @Nullable Path report, @Nullable List<String> methods, int @Nullable [] epochs,
    @Nullable List<Distillation> distill, @Nullable List<Float> fineTuneRates) {
  static final String USAGE = "options: [--data DIR] [--json FILE] [--targets 0.8,0.9,0.95] [--frequency 10] [--quiet]"
      + " [--seed 42] [--seeds 1] [--report DIR] [--methods per-layer,global,sensitivity,global+lr|all (MnistPruning's default: per-layer,global)] [--epochs DENSE,FINE_TUNE]"
      + " [--distill T:ALPHA,... (adds global+distill rows)]"
      + " [--fine-tune-lr RATE,... (adds global+lr and per-layer+lr rows: Adam at RATE for the fine-tune)]";

  static Cli parse(String[] args) {
    Path data = null;
    Path json = null;
    Path report = null;
    List<Double> targets = List.of(0.8, 0.9, 0.95);
    List<String> methods = null;
    int[] epochs = null;
    List<Distillation> distill = null;
    List<Float> rates = null;
    int frequency = 10;
    boolean quiet = false;
    long seed = 42;
    int seeds = 1;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--data" -> data = Path.of(value(args, ++i, "--data"));
        case "--json" -> json = Path.of(value(args, ++i, "--json"));
        case "--report" -> report = Path.of(value(args, ++i, "--report"));
        case "--targets" -> {
          targets = new ArrayList<>();
          for (String t : value(args, ++i, "--targets").split(",")) {
            targets.add(Double.parseDouble(t.trim()));
          }
        }
        case "--methods" -> methods = List.of(value(args, ++i, "--methods").split(","));
        case "--epochs" -> {
          String[] e = value(args, ++i, "--epochs").split(",");
          if (e.length != 2) {
            throw new IllegalArgumentException("--epochs takes DENSE,FINE_TUNE, got '" + args[i] + "'; " + USAGE);
          }
          epochs = new int[] {Integer.parseInt(e[0].trim()), Integer.parseInt(e[1].trim())};
        }
        case "--distill" -> {
          distill = new ArrayList<>();
          for (String d : value(args, ++i, "--distill").split(",")) {
            String[] ta = d.split(":");
            if (ta.length != 2) {
              throw new IllegalArgumentException("--distill takes T:ALPHA pairs, got '" + d + "'; " + USAGE);
            }
            distill.add(new Distillation(Float.parseFloat(ta[0].trim()), Float.parseFloat(ta[1].trim())));
          }
        }
        case "--fine-tune-lr" -> {
          rates = new ArrayList<>();
          for (String r : value(args, ++i, "--fine-tune-lr").split(",")) {
            rates.add(Float.parseFloat(r.trim()));
          }
        }
        case "--frequency" -> frequency = Integer.parseInt(value(args, ++i, "--frequency"));
        case "--seed" -> seed = Long.parseLong(value(args, ++i, "--seed"));
        case "--seeds" -> {
          seeds = Integer.parseInt(value(args, ++i, "--seeds"));
          if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be >= 1, got " + seeds);
          }
        }
        case "--quiet" -> quiet = true;
        default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'; " + USAGE);
      }
    }
    return new Cli(data, json, targets, frequency, quiet, seed, seeds, report, methods, epochs, distill, rates);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value; " + USAGE);
    }
    return args[i];
  }
}
