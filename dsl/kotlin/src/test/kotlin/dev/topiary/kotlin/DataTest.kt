package dev.topiary.kotlin

import dev.topiary.dsl.data.Dataset
import dev.topiary.dsl.data.Example
import dev.topiary.dsl.data.HostArray
import dev.topiary.dsl.data.ImageAugmentation
import dev.topiary.dsl.data.io.ImageDecoding
import dev.topiary.dsl.data.io.ImageFolderDataset
import dev.topiary.dsl.data.io.TFRecordDataset
import dev.topiary.dsl.data.io.TFRecords
import java.nio.file.Files
import java.nio.file.Path
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

class DataTest {
  @TempDir
  lateinit var dir: Path

  private val x = Array(10) { i -> floatArrayOf(i.toFloat(), 10f + i) }
  private val y = IntArray(10) { it % 3 }

  @Test
  fun `the Kotlin block builds the same pipeline as the Java calls`() {
    val kotlin = dataset(x, y) {
      shuffle(10, seed = 1)
      batch(4, dropRemainder = true)
      prefetch(2)
    }
    val java = Dataset.of(x, y).shuffle(10, 1).batch(4, Dataset.Remainder.DROP)
    for (epoch in 0..2) {
      assertThat(kotlin.toList(epoch, 100)).isEqualTo(java.toList(epoch, 100))
    }
    val sizes = mutableListOf<Int>()
    kotlin.forEachBatch(epoch = 0) { sizes += it.examples() }
    assertThat(sizes).containsExactly(4, 4)
  }

  @Test
  fun `a generated dataset is a sequence of examples asked for every pass`() {
    var passes = 0
    val data = generatedDataset(size = 5, block = { map { e -> example(e.input().floats().map { it * 2 }.toFloatArray(), 0) } }) {
      passes++
      (0 until 5).asSequence().map { example(floatArrayOf(it.toFloat()), it % 2, weight = 1f + it) }
    }
    val batches = data.toList(0, 5)
    assertThat(batches.single().inputs().single()).isEqualTo(HostArray.of(floatArrayOf(0f, 2f, 4f, 6f, 8f), 5, 1))
    data.toList(1, 5)
    assertThat(passes).isEqualTo(2)
    assertThat(data.size().asLong).isEqualTo(5)
  }

  @Test
  fun `TFRecord files read through the Kotlin form`() {
    val file = dir.resolve("d.tfrecord")
    TFRecordDataset.write(file, linkedMapOf("x" to HostArray.of(floatArrayOf(1f, 2f, 3f, 4f), 2, 2),
      "y" to HostArray.ofLabels(intArrayOf(1, 0))), TFRecords.Compression.GZIP)
    val data = tfRecordDataset(file, features = { floatInput("x", 2).intLabel("y") }) { shard(2, 1) }
    val batch = data.toList(0, 8).single()
    assertThat(batch.inputs().single()).isEqualTo(HostArray.of(floatArrayOf(3f, 4f), 1, 2))
    assertThat(batch.labels().single()).isEqualTo(HostArray.ofLabels(intArrayOf(0)))
    val csv = Files.writeString(dir.resolve("d.csv"), "a,b,label\n1,2,0\n3,4,1\n")
    assertThat(csvDataset(csv, { intLabel("label") }).toList(0, 8).single().labels().single())
      .isEqualTo(HostArray.ofLabels(intArrayOf(0, 1)))
    assertThat(Example.of(floatArrayOf(1f), 2).label().intValue()).isEqualTo(2)
  }

  @Test
  fun `an image folder with a split, shuffle and augmentation builds the same pipeline as the Java calls`() {
    val images = HostArray.of(FloatArray(12 * 4 * 5) { (it * 7 % 256).toFloat() }, 12, 4, 5)
    ImageFolderDataset.write(dir.resolve("folder"), images, IntArray(12) { it % 3 }, listOf("a", "b", "c"))
    val kotlin = imageFolderDataset(
      dir.resolve("folder"),
      image = imageDecoding(4, 5, grayscale = true, scale = ImageDecoding.Scale.UNIT),
      labels = ImageFolderDataset.Labels.CATEGORICAL,
      validationSplit = 0.25, subset = ImageFolderDataset.Subset.TRAINING, seed = 3,
      shuffleSeed = 4, decodeThreads = 2,
    ) {
      augment(imageAugmentation(seed = 5) { flipHorizontal(); translate(0.2, 0.2); brightness(0.1f); contrast(0.2) })
      batch(4)
    }
    val java = ImageFolderDataset.of(dir.resolve("folder"))
      .image(ImageDecoding.of(4, 5).grayscale().scale(ImageDecoding.Scale.UNIT))
      .labels(ImageFolderDataset.Labels.CATEGORICAL)
      .validationSplit(0.25, ImageFolderDataset.Subset.TRAINING, 3).shuffle(4)
      .augment(ImageAugmentation.seeded(5).flipHorizontal().translate(0.2, 0.2).brightness(0.1f).contrast(0.2))
      .batch(4)
    for (epoch in 0..1) {
      assertThat(kotlin.toList(epoch, 100)).isEqualTo(java.toList(epoch, 100))
    }
    assertThat(kotlin.toList(0, 100).sumOf { it.examples() }).isEqualTo(9)
  }

  @Test
  fun `items are made into examples on threads in order, null dropping one`() {
    val data = itemsDataset(items = { epoch -> (0 until 20).asSequence().map { it + 100 * epoch } }, threads = 3, size = 19) {
      if (it % 20 == 7) null else example(floatArrayOf(it.toFloat()), it % 2)
    }
    assertThat(data.examples(1).map { it.input().floats()[0].toInt() })
      .isEqualTo((100 until 120).filter { it != 107 })
    assertThat(data.size().asLong).isEqualTo(19)
  }
}
