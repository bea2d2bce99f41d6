package dev.topiary.tflite;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.saving.ModelFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code .tflite} files as a {@link ModelFormat} for {@link dev.topiary.dsl.saving.Saving} (found through
 * {@code META-INF/services}): written from a stripped copy of the model ({@link TfliteExport}), variants
 * {@code int8}, {@code sparse}, {@code sparse_int8} ({@link TfliteFlavour}); its weights load back into a
 * model of the same definition ({@link TfliteWeights}).
 */
public final class TfliteFormat implements ModelFormat {
  private static final byte[] IDENTIFIER = "TFL3".getBytes(StandardCharsets.US_ASCII);

  @Override
  public String name() {
    return "tflite";
  }

  @Override
  public List<String> extensions() {
    return List.of(".tflite");
  }

  /** A FlatBuffer whose file identifier (bytes 4 to 7) is TFLite's. */
  @Override
  public boolean recognizes(Path path, byte[] head) {
    return head.length >= 8 && Arrays.equals(head, 4, 8, IDENTIFIER, 0, 4);
  }

  @Override
  public void save(Model model, Path path, String variant) throws IOException {
    TfliteFlavour flavour;
    try {
      flavour = variant == null ? TfliteFlavour.FLOAT32 : TfliteFlavour.valueOf(variant.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("format tflite has variants " + Arrays.stream(TfliteFlavour.values())
          .map(f -> f.name().toLowerCase(Locale.ROOT)).toList() + ", not '" + variant + "'");
    }
    TfliteExport.write(model, path, flavour);
  }

  @Override
  public void loadInto(Model model, Path path) throws IOException {
    model.setWeights(TfliteWeights.read(TfliteFile.read(path), model.spec()));
  }
}
