package dev.topiary.dsl.data.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.data.Batch;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.CorruptFileException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV files with a header and IDX files (MNIST's format). */
class CsvAndIdxTest {
  @TempDir
  Path dir;

  private Path csv(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  @Test
  void csvColumnsAreSelectedByName() throws IOException {
    Path file = csv("iris.csv", """
        id,sepal,petal,species,price
        1,5.1,1.4,0,2.5
        2,4.9,"1.3",2,3

        3,6.0,4.5,1,-1e1
        """);
    Batch b = CsvDataset.of(file).features("petal", "sepal").intLabel("species").toList(0, 10).get(0);
    assertThat(b.inputs()).containsExactly(HostArray.of(new float[] {1.4f, 5.1f, 1.3f, 4.9f, 4.5f, 6.0f}, 3, 2));
    assertThat(b.labels()).containsExactly(HostArray.ofLabels(new int[] {0, 2, 1}));
    // without features: every other column; float targets; a weight column
    Batch all = CsvDataset.of(file).floatLabel("price").weight("id").toList(0, 10).get(0);
    assertThat(all.inputs()).containsExactly(HostArray.of(new float[] {5.1f, 1.4f, 0, 4.9f, 1.3f, 2, 6.0f, 4.5f, 1}, 3, 3));
    assertThat(all.labels()).containsExactly(HostArray.of(new float[] {2.5f, 3, -10}, 3));
    assertThat(all.sampleWeights()).isEqualTo(HostArray.of(new float[] {1, 2, 3}, 3));
    // read anew each pass, shuffled per epoch
    Dataset shuffled = CsvDataset.of(file).intLabel("species").shuffle(3, 1);
    assertThat(shuffled.toList(2, 1)).isEqualTo(shuffled.toList(2, 1));
  }

  @Test
  void csvDelimiterAndGzip() throws IOException {
    Path file = dir.resolve("data.tsv.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write("a\tb\ty\n0.5\t1\t3\n2\t-3\t4\n".getBytes(StandardCharsets.UTF_8));
    }
    Batch b = CsvDataset.of(file).delimiter('\t').intLabel("y").toList(0, 10).get(0);
    assertThat(b.inputs()).containsExactly(HostArray.of(new float[] {0.5f, 1, 2, -3}, 2, 2));
    assertThat(b.labels()).containsExactly(HostArray.ofLabels(new int[] {3, 4}));
    Path semi = csv("semi.csv", "x;\"label\"\n\"1;5\";2\n");
    assertThatThrownBy(() -> CsvDataset.of(semi).delimiter(';').intLabel("label").toList(0, 1))
        .hasMessage(semi + ": line 2: column 'x' is '1;5', not a number");
  }

  @Test
  void csvErrorsNameTheFileAndLine() throws IOException {
    Path file = csv("bad.csv", "a,b,y\n1,2,0\n3,x,1\n");
    assertThatThrownBy(() -> CsvDataset.of(file).intLabel("y").toList(0, 10))
        .isInstanceOf(CorruptFileException.class).hasMessage(file + ": line 3: column 'b' is 'x', not a number");
    Path fields = csv("fields.csv", "a,b,y\n1,2,0\n3,4\n");
    assertThatThrownBy(() -> CsvDataset.of(fields).intLabel("y").toList(0, 10))
        .hasMessage(fields + ": line 3: 2 fields but the header has 3");
    Path label = csv("label.csv", "a,y\n1,0.5\n");
    assertThatThrownBy(() -> CsvDataset.of(label).intLabel("y").toList(0, 10))
        .hasMessage(label + ": line 2: label column 'y' is '0.5', not an integer class index");
    assertThatThrownBy(() -> CsvDataset.of(label).intLabel("z").toList(0, 10))
        .hasMessage(label + ": line 1: no column 'z' in the header [a, y]");
    Path empty = csv("empty.csv", "");
    assertThatThrownBy(() -> CsvDataset.of(empty).intLabel("y").toList(0, 10))
        .hasMessage(empty + ": line 1: the file is empty: a header line is needed");
    Path quote = csv("quote.csv", "a,y\n\"1,0\n");
    assertThatThrownBy(() -> CsvDataset.of(quote).intLabel("y").toList(0, 10))
        .hasMessage(quote + ": line 2: a quoted field is not closed");
  }

  /** An IDX file written by hand: magic, dimensions (big-endian ints), unsigned bytes. */
  private static byte[] idx(int magic, int[] dims, int[] values, boolean gzip) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(gzip ? new GZIPOutputStream(bytes) : bytes)) {
      out.writeInt(magic);
      for (int d : dims) {
        out.writeInt(d);
      }
      for (int v : values) {
        out.writeByte(v);
      }
    }
    return bytes.toByteArray();
  }

  @Test
  void idxImagesAndLabelsPlainOrGzipped() throws IOException {
    for (boolean gzip : List.of(false, true)) {
      Path images = dir.resolve("images" + gzip);
      Path labels = dir.resolve("labels" + gzip);
      Files.write(images, idx(2051, new int[] {2, 1, 2}, new int[] {0, 255, 51, 102}, gzip));
      Files.write(labels, idx(2049, new int[] {2}, new int[] {7, 200}, gzip));
      Batch b = IdxFiles.dataset(images, labels).toList(0, 5).get(0);
      assertThat(b.inputs()).containsExactly(HostArray.of(new float[] {0, 1, 0.2f, 0.4f}, 2, 1, 2));
      assertThat(b.labels()).containsExactly(HostArray.ofLabels(new int[] {7, 200}));
    }
  }

  @Test
  void idxErrorsNameTheFile() throws IOException {
    Path images = dir.resolve("images");
    Path labels = dir.resolve("labels");
    Files.write(images, idx(2051, new int[] {3, 1, 2}, new int[] {0, 255, 51, 102}, false));
    Files.write(labels, idx(2049, new int[] {2}, new int[] {7, 200}, false));
    assertThatThrownBy(() -> IdxFiles.readImages(images))
        .isInstanceOf(CorruptFileException.class).hasMessage(images + ": truncated file (4 of 6 values)");
    assertThatThrownBy(() -> IdxFiles.readImages(labels))
        .hasMessage(labels + ": not an IDX image file (magic 2049, expected 2051)");
    Files.write(images, idx(2051, new int[] {3, 1, 1}, new int[] {0, 255, 51}, false));
    assertThatThrownBy(() -> IdxFiles.dataset(images, labels))
        .hasMessage(labels + " has 2 labels but " + images + " has 3 images");
    Files.write(labels, new byte[] {0, 0, 8});
    assertThatThrownBy(() -> IdxFiles.readLabels(labels)).hasMessage(labels + ": truncated file (the header is incomplete)");
  }
}
