package dev.topiary.dsl;

import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.SnapshotFile;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.ops.PruningState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A saved training state: every variable (weights, masks, thresholds, step, optimizer slots) and the
 * position in the data (epoch, next batch), enough to resume in a new JVM and end exactly where an
 * uninterrupted run ends. Written by {@code fit} when {@link dev.topiary.dsl.training.Fit#checkpoints}
 * asks; resumed with {@link dev.topiary.dsl.training.Fit#resumeFrom}.
 *
 * <p>Pruned weights are stored sparse (masked). Only when the next step recomputes a mask does the
 * file also hold the pruned positions' last optimizer step ({@code <weight>_prune_regrowth}, {@link PruningState#keepsRegrowth}), which
 * that recomputation compares, as the reference would.
 */
public final class Checkpoint {
  private final Snapshot saved;
  private final int epoch;
  private final int batch;
  private final String fingerprint;

  private Checkpoint(Snapshot saved, int epoch, int batch, String fingerprint) {
    this.saved = saved;
    this.epoch = epoch;
    this.batch = batch;
    this.fingerprint = fingerprint;
  }

  /**
   * The state of {@code model} at (epoch, next batch) of a fit whose settings and data are
   * summarized by {@code fingerprint}, prepared for saving.
   */
  public static Checkpoint of(Model model, int epoch, int batch, String fingerprint) {
    Snapshot raw = model.snapshot();
    ModelSpec spec = model.spec();
    long step = raw.get(PruningState.STEP).longs()[0];
    Map<String, HostArray> out = new LinkedHashMap<>(raw.variables());
    spec.prunedWeights().forEach((name, pruning) -> {
      float[] w = raw.get(name).floats();
      float[] mask = raw.get(PruningState.maskName(name)).floats();
      float[] masked = new float[w.length];
      float[] regrowth = new float[w.length];
      for (int i = 0; i < w.length; i++) {
        masked[i] = w[i] * mask[i];
        regrowth[i] = w[i] - masked[i];
      }
      long[] shape = raw.get(name).shape();
      out.put(name, HostArray.ofFloats(masked, shape));
      if (PruningState.keepsRegrowth(pruning, step)) {
        out.put(PruningState.regrowthName(name), HostArray.ofFloats(regrowth, shape));
      }
    });
    return new Checkpoint(new Snapshot(out), epoch, batch, fingerprint);
  }

  public static Checkpoint read(Path file) throws IOException {
    return fromContents(SnapshotFile.read(file), file.toString());
  }

  /** A checkpoint from a decoded state file ({@code source} names it in errors). */
  static Checkpoint fromContents(SnapshotFile.Contents c, String source) {
    Map<String, String> p = c.properties();
    for (String key : new String[] {"epoch", "batch", "fingerprint"}) {
      if (!p.containsKey(key)) {
        throw new dev.topiary.dsl.export.CorruptFileException(source, "not a training checkpoint (no " + key + ")");
      }
    }
    if (!c.snapshot().variables().containsKey(PruningState.STEP)
        || c.snapshot().get(PruningState.STEP).dtype() != HostArray.DType.INT64
        || c.snapshot().get(PruningState.STEP).shape().length != 0) {
      throw new dev.topiary.dsl.export.CorruptFileException(source, "no scalar '" + PruningState.STEP
          + "' variable: not a model state");
    }
    return new Checkpoint(c.snapshot(), position(source, p, "epoch"), position(source, p, "batch"), p.get("fingerprint"));
  }

  private static int position(String source, Map<String, String> properties, String key) {
    String value = properties.get(key);
    try {
      int n = Integer.parseInt(value);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new dev.topiary.dsl.export.CorruptFileException(source, "property '" + key
        + "' must be a count >= 0, got '" + value + "'");
  }

  /** Writes atomically: a crash or kill during the write leaves the previous file intact. */
  public void write(Path file) throws IOException {
    SnapshotFile.write(file, saved, Map.of("epoch", Integer.toString(epoch), "batch", Integer.toString(batch),
        "fingerprint", fingerprint));
  }

  /** The model state, weights dense again where the regrowth was kept: what {@link Model#restore} takes. */
  public Snapshot snapshot() {
    Map<String, HostArray> out = new LinkedHashMap<>();
    java.util.Set<String> regrowths = new java.util.HashSet<>();
    saved.variables().keySet().forEach(name -> regrowths.add(PruningState.regrowthName(name)));
    saved.variables().forEach((name, value) -> {
      if (regrowths.contains(name)) {
        return;
      }
      HostArray regrowth = saved.variables().get(PruningState.regrowthName(name));
      if (regrowth == null) {
        out.put(name, value);
      } else {
        float[] w = value.floats();
        float[] r = regrowth.floats();
        for (int i = 0; i < w.length; i++) {
          w[i] += r[i];
        }
        out.put(name, HostArray.ofFloats(w, value.shape()));
      }
    });
    return new Snapshot(out);
  }

  /** The saved form: what the file holds (pruned weights masked). */
  public Snapshot saved() {
    return saved;
  }

  /** The epoch to resume in (0-based). */
  public int epoch() {
    return epoch;
  }

  /** The next batch of that epoch to run. */
  public int batch() {
    return batch;
  }

  public long step() {
    return saved.get(PruningState.STEP).longs()[0];
  }

  /** The training settings and data size the checkpoint was taken with; a resumed fit must match. */
  public String fingerprint() {
    return fingerprint;
  }

  /** {@code Checkpoint(epoch 1, batch 3, step 27; 9 variables)}: where a resumed fit continues. */
  @Override
  public String toString() {
    String step;
    try {
      step = Long.toString(step());
    } catch (RuntimeException e) {
      step = "unknown";
    }
    return "Checkpoint(epoch " + epoch + ", batch " + batch + ", step " + step + "; " + saved.variables().size()
        + " variables)";
  }
}
