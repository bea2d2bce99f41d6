package dev.topiary.docs;

import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.ImageAugmentation;
import dev.topiary.dsl.data.io.ImageDecoding;
import dev.topiary.dsl.data.io.TFRecordDataset;
import dev.topiary.dsl.distributed.WorkerContext;
import dev.topiary.dsl.distributed.WorkerInput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

// docs/results/fashion-images.md: ImageNet TFRecords on a cluster, each worker reading its own shards.
// [snippet:ImageNetShards]
public final class ImageNetShards implements WorkerInput {       // on every worker's class path
  public Dataset open(WorkerContext c) {                           // called at the start of each fit
    List<Path> mine = new ArrayList<>();                           // build_imagenet_data.py: train-00000-of-01024, ...
    for (int shard = c.index(); shard < 1024; shard += c.workers()) {  // worker i: shards i, i + n, i + 2n, ...
      mine.add(Path.of(String.format(Locale.ROOT, "/data/imagenet/train-%05d-of-01024", shard)));
    }
    return TFRecordDataset.of(mine)
        .imageInput("image/encoded", ImageDecoding.of(224, 224).scale(ImageDecoding.Scale.MINUS_ONE_TO_ONE))
        .intLabel("image/class/label", -1)                         // labels 1..1000: classes 0..999
        .decodeThreads(Runtime.getRuntime().availableProcessors())
        .shuffle(10_000, c.seed())
        .augment(ImageAugmentation.seeded(c.seed() + c.index()).flipHorizontal().translate(0.1, 0.1));
  }
}
// [end:ImageNetShards]
