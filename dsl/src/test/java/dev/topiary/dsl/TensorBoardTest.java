package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.Summary;

class TensorBoardTest {

  record Scalar(String tag, long step, float value) {}

  @Test
  void writesLossMetricsAndPerWeightSparsityAndThreshold(@TempDir Path dir) throws IOException {
    HostArray[] data = TestData.separable(4, 128, 10);
    ModelSpec spec = Sequential.of(Input.of(10),
        Dense.of(8, Activation.RELU).prunable(ConstantSparsity.of(0.5, 2, -1, 2)), Dense.of(2));
    Compile compile = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).metrics(Metric.ACCURACY);
    try (Model model = spec.compile(compile)) {
      model.fit(data[0], data[1], Fit.ofEpochs(2).batchSize(32).tensorBoard(dir).progress(ProgressSink.silent()));
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents")).toList();
    }
    assertThat(files).hasSize(1);
    List<Scalar> scalars = read(files.get(0));
    assertThat(scalars).extracting(Scalar::tag).contains("batch_loss", "batch_accuracy", "epoch_loss",
        "epoch_accuracy", "epoch_sparsity", "dense_kernel/sparsity", "dense_kernel/threshold");
    // Pruning starts at step 2 (begin): sparsity 0 before, 0.5 from then on.
    List<Scalar> sparsity = scalars.stream().filter(s -> s.tag().equals("dense_kernel/sparsity")).toList();
    assertThat(sparsity).extracting(Scalar::step).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);
    assertThat(sparsity).extracting(Scalar::value).containsExactly(0f, 0f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f);
    assertThat(scalars.stream().filter(s -> s.tag().equals("dense_kernel/threshold") && s.step() == 2).findFirst()
        .orElseThrow().value()).isGreaterThan(0f);
    assertThat(scalars.stream().filter(s -> s.tag().equals("epoch_loss")).map(Scalar::step)).containsExactly(0L, 1L);
  }

  /** Reads TFRecord-framed Event protos: length (8), crc (4), data, crc (4). */
  static List<Scalar> read(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    List<Scalar> out = new ArrayList<>();
    while (b.remaining() >= 12) {
      long length = b.getLong();
      b.getInt();
      byte[] data = new byte[(int) length];
      b.get(data);
      b.getInt();
      Event e = Event.parseFrom(data);
      for (Summary.Value v : e.getSummary().getValueList()) {
        float value = v.hasTensor() ? v.getTensor().getFloatVal(0) : v.getSimpleValue();
        out.add(new Scalar(v.getTag(), e.getStep(), value));
      }
    }
    return out;
  }
}
