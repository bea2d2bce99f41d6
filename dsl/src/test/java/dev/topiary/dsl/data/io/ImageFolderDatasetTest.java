package dev.topiary.dsl.data.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.data.Batch;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.Example;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.CorruptFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image folders as Keras' image_dataset_from_directory reads them. */
class ImageFolderDatasetTest {
  @TempDir
  Path dir;

  /** A uniform 6x8 RGB PNG of {@code value}, so each file is recognisable by its pixels. */
  private void png(String path, int value) throws IOException {
    Path p = dir.resolve(path);
    Files.createDirectories(p.getParent());
    float[] px = new float[6 * 8 * 3];
    java.util.Arrays.fill(px, value);
    Files.write(p, ImageDecoding.encode(px, 6, 8, 3, "png"));
  }

  @BeforeEach
  void layout() throws IOException {
    // The layout Keras 3.15 was run on: image_dataset_from_directory(dir, image_size=(6, 8), shuffle=False)
    // gave class_names ['Z', 'a_cls', 'b_cls'] and the files Z/q.png, a_cls/X1.PNG, a_cls/x2.png,
    // b_cls/m.png, b_cls/z.png, b_cls/sub/a.png (values 70, 20, 10, 50, 40, 30), labels 0 1 1 2 2 2.
    png("a_cls/x2.png", 10);
    png("a_cls/X1.PNG", 20);
    png("b_cls/sub/a.png", 30);
    png("b_cls/z.png", 40);
    png("b_cls/m.png", 50);
    png("top.png", 60); // directly in the folder: no class
    png("Z/q.png", 70);
    Files.writeString(dir.resolve("a_cls/notes.txt"), "not an image, not an image extension");
  }

  private static int value(Example e) {
    return Math.round(e.input().floats()[0]);
  }

  @Test
  void classesAndFilesInKerasOrder() {
    ImageFolderDataset d = ImageFolderDataset.of(dir).image(ImageDecoding.of(6, 8));
    assertThat(d.classNames()).containsExactly("Z", "a_cls", "b_cls");
    List<Example> examples = d.examples(0);
    assertThat(examples.stream().map(ImageFolderDatasetTest::value)).containsExactly(70, 20, 10, 50, 40, 30);
    assertThat(examples.stream().map(e -> e.label().intValue())).containsExactly(0, 1, 1, 2, 2, 2);
    assertThat(d.size()).hasValue(6);
    assertThat(d.files().get(5)).isEqualTo(dir.resolve("b_cls/sub/a.png"));
  }

  @Test
  void labelModes() {
    ImageFolderDataset d = ImageFolderDataset.of(dir).image(ImageDecoding.of(6, 8).grayscale());
    Batch cat = d.labels(ImageFolderDataset.Labels.CATEGORICAL).toList(0, 6).get(0);
    assertThat(cat.inputs().get(0).shape()).containsExactly(6, 6, 8, 1);
    assertThat(cat.labels().get(0).floats()).containsExactly(
        1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1);
    assertThat(d.labels(ImageFolderDataset.Labels.NONE).examples(0).get(0).labels()).isEmpty();
    assertThatThrownBy(() -> d.labels(ImageFolderDataset.Labels.BINARY).examples(0))
        .hasMessageContaining("binary labels need exactly 2 classes").hasMessageContaining("[Z, a_cls, b_cls]");
    Path two = dir.resolve("two");
    ImageFolderDataset.write(two, HostArray.of(new float[3 * 48], 3, 6, 8), new int[] {1, 0, 1}, List.of("neg", "pos"));
    List<Example> binary = ImageFolderDataset.of(two).image(ImageDecoding.of(6, 8).grayscale())
        .labels(ImageFolderDataset.Labels.BINARY).examples(0);
    assertThat(binary.stream().map(e -> e.label().floats()[0])).containsExactly(0f, 1f, 1f);
    assertThat(binary.get(0).label().shape()).containsExactly(1);
  }

  @Test
  void explicitClassNamesOrderTheClassesAndMustBeTheSubfolders() throws IOException {
    ImageFolderDataset d = ImageFolderDataset.of(dir).image(ImageDecoding.of(6, 8)).classNames(List.of("b_cls", "Z", "a_cls"));
    List<Example> examples = d.examples(0);
    assertThat(examples.stream().map(ImageFolderDatasetTest::value)).containsExactly(50, 40, 30, 70, 20, 10);
    assertThat(examples.stream().map(e -> e.label().intValue())).containsExactly(0, 0, 0, 1, 2, 2);
    assertThatThrownBy(() -> ImageFolderDataset.of(dir).classNames(List.of("a_cls", "b_cls")).examples(0))
        .hasMessageContaining("must be the subfolders").hasMessageContaining("[Z, a_cls, b_cls]");
  }

  @Test
  void extensionsFilterInAnyCase() {
    ImageFolderDataset d = ImageFolderDataset.of(dir).image(ImageDecoding.of(6, 8)).extensions(".PNG");
    assertThat(d.examples(0)).hasSize(6);
    assertThatThrownBy(() -> ImageFolderDataset.of(dir).extensions(".jpg").examples(0))
        .hasMessageContaining("no images in " + dir).hasMessageContaining("[.jpg]");
  }

  @Test
  void validationSplitIsDisjointCompleteAndSeeded() throws IOException {
    for (int i = 0; i < 20; i++) {
      png("Z/extra" + i + ".png", 100 + i);
    }
    ImageFolderDataset base = ImageFolderDataset.of(dir).image(ImageDecoding.of(6, 8));
    ImageFolderDataset train = base.validationSplit(0.25, ImageFolderDataset.Subset.TRAINING, 5);
    ImageFolderDataset val = base.validationSplit(0.25, ImageFolderDataset.Subset.VALIDATION, 5);
    assertThat(val.files()).hasSize(6); // floor(0.25 * 26)
    assertThat(train.files()).hasSize(20);
    Set<Path> all = new HashSet<>(train.files());
    all.addAll(val.files());
    assertThat(all).hasSize(26).containsAll(base.files());
    assertThat(base.validationSplit(0.25, ImageFolderDataset.Subset.VALIDATION, 5).files()).isEqualTo(val.files());
    assertThat(base.validationSplit(0.25, ImageFolderDataset.Subset.VALIDATION, 6).files()).isNotEqualTo(val.files());
    assertThat(val.size()).hasValue(6);
    assertThatThrownBy(() -> base.validationSplit(1.0, ImageFolderDataset.Subset.TRAINING, 1))
        .hasMessageContaining("validation split must be in (0, 1)");
  }

  @Test
  void shuffleIsTheSamePerEpochAndDiffersAcrossEpochsWhateverTheThreads() throws IOException {
    for (int i = 0; i < 20; i++) {
      png("a_cls/more" + i + ".png", 100 + i);
    }
    ImageFolderDataset d = ImageFolderDataset.of(dir).image(ImageDecoding.of(6, 8)).shuffle(3);
    List<Integer> e0 = d.examples(0).stream().map(ImageFolderDatasetTest::value).toList();
    assertThat(d.examples(0).stream().map(ImageFolderDatasetTest::value).toList()).isEqualTo(e0);
    assertThat(d.decodeThreads(3).examples(0).stream().map(ImageFolderDatasetTest::value).toList()).isEqualTo(e0);
    assertThat(d.examples(1).stream().map(ImageFolderDatasetTest::value).toList()).isNotEqualTo(e0)
        .containsExactlyInAnyOrderElementsOf(e0);
  }

  @Test
  void writtenFolderReadsBackWithTheSamePixelsAndLabels() {
    Path out = dir.resolve("written");
    float[] px = new float[3 * 4 * 5];
    for (int i = 0; i < px.length; i++) {
      px[i] = (i * 37) % 256;
    }
    HostArray images = HostArray.of(px, 3, 4, 5); // grayscale [n, h, w]
    ImageFolderDataset.write(out, images, new int[] {1, 0, 1}, List.of("cat", "dog"));
    assertThat(out.resolve("dog/0.png")).exists();
    assertThat(out.resolve("cat/1.png")).exists();
    ImageFolderDataset d = ImageFolderDataset.of(out).image(ImageDecoding.of(4, 5).grayscale());
    List<Example> back = d.examples(0);
    // Listing order: cat/1.png, dog/0.png, dog/2.png.
    assertThat(back.stream().map(e -> e.label().intValue())).containsExactly(0, 1, 1);
    int[] order = {1, 0, 2};
    for (int k = 0; k < 3; k++) {
      float[] want = java.util.Arrays.copyOfRange(px, order[k] * 20, order[k] * 20 + 20);
      assertThat(back.get(k).input().floats()).isEqualTo(want);
    }
    assertThatThrownBy(() -> ImageFolderDataset.write(out, images, new int[] {0, 2, 1}, List.of("cat", "dog")))
        .hasMessageContaining("label 1 is 2");
    assertThatThrownBy(() -> ImageFolderDataset.write(out, images, new int[] {0, 1, 1}, List.of("cat", "../x")))
        .hasMessageContaining("'../x' is not a folder name");
  }

  @Test
  void corruptFilesFailNamingTheFileUnlessSkipped() throws IOException {
    Path bad = dir.resolve("a_cls/broken.png");
    Files.write(bad, java.util.Arrays.copyOf(Files.readAllBytes(dir.resolve("a_cls/x2.png")), 40));
    Path text = dir.resolve("b_cls/text.jpg");
    Files.writeString(text, "a text file named .jpg");
    for (int threads : new int[] {1, 2}) {
      ImageFolderDataset d = ImageFolderDataset.of(dir).image(ImageDecoding.of(6, 8)).decodeThreads(threads);
      assertThatThrownBy(() -> d.toList(0, 4)).isInstanceOf(CorruptFileException.class)
          .hasMessageContaining(bad.toString()).hasMessageContaining("corrupt or unsupported PNG data");
    }
    ImageFolderDataset skipping = ImageFolderDataset.of(dir).image(ImageDecoding.of(6, 8)).skipCorruptImages().decodeThreads(2);
    List<Integer> kept = new ArrayList<>(skipping.examples(0).stream().map(ImageFolderDatasetTest::value).toList());
    assertThat(kept).containsExactly(70, 20, 10, 50, 40, 30);
    assertThat(skipping.skippedImages()).isEqualTo(2);
    assertThat(skipping.size()).isEmpty();
    Files.delete(bad);
    assertThatThrownBy(() -> ImageFolderDataset.of(dir).examples(0)).isInstanceOf(CorruptFileException.class)
        .hasMessageContaining(text.toString()).hasMessageContaining("not a JPEG, PNG, GIF or BMP image");
  }

  @Test
  void aFolderWithoutClassFoldersFailsSayingSo() throws IOException {
    Path flat = dir.resolve("flat");
    Files.createDirectories(flat);
    Files.write(flat.resolve("a.png"), Files.readAllBytes(dir.resolve("top.png")));
    assertThatThrownBy(() -> ImageFolderDataset.of(flat).examples(0)).hasMessageContaining("has no subfolders");
    assertThatThrownBy(() -> ImageFolderDataset.of(dir.resolve("missing")).examples(0))
        .hasMessageContaining("is not a directory");
  }

  @Test
  void trainsThroughBatchesAndPrefetch() {
    Dataset d = ImageFolderDataset.of(dir).image(ImageDecoding.of(3, 4).scale(ImageDecoding.Scale.UNIT)).shuffle(1)
        .decodeThreads(2).batch(4).prefetch(2);
    List<Batch> batches = d.toList(0, 32);
    assertThat(batches).hasSize(2);
    assertThat(batches.get(0).inputs().get(0).shape()).containsExactly(4, 3, 4, 3);
    assertThat(batches.get(1).examples()).isEqualTo(2);
  }
}
