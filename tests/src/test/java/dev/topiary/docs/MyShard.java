package dev.topiary.docs;

import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.io.TFRecordDataset;
import dev.topiary.dsl.distributed.WorkerContext;
import dev.topiary.dsl.distributed.WorkerInput;
import java.nio.file.Path;

// docs/guides/distributed.md: a worker's own input.
// [snippet:MyShard]
public final class MyShard implements WorkerInput {              // e.g. in com.acme, on the workers' class path
  public Dataset open(WorkerContext c) {                          // called at the start of each fit
    return TFRecordDataset.of(Path.of("/data/train-" + c.index() + ".tfrecord"))   // this machine's file
        .floatInput("image", 28, 28).intLabel("label");           // or shared data: .shard(c.workers(), c.index())
  }
}
// [end:MyShard]
