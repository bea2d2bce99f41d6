package dev.topiary.samples.data;

import dev.topiary.dsl.data.HostArray;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Labelled texts ({@code label<TAB>text} per line, gzip or plain) and Keras-style preprocessing: a
 * vocabulary of the most frequent training words, ids padded and truncated at the front to a fixed
 * length (Keras' {@code pad_sequences} defaults). Id 0 pads, 1 is for words outside the vocabulary.
 */
public final class TextData {
  public static final int PAD = 0;
  public static final int OUT_OF_VOCABULARY = 1;

  /** Texts with 0/1 labels. */
  public record Texts(List<String> texts, int[] labels) {}

  private TextData() {}

  public static Texts embedded(String split) {
    String name = "imdb/" + split + ".tsv.gz";
    try (InputStream in = TextData.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("embedded data " + name + " is missing from the classpath");
      }
      return read(in, name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Texts read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    }
  }

  static Texts read(InputStream raw, String source) throws IOException {
    java.io.BufferedInputStream in = new java.io.BufferedInputStream(raw);
    in.mark(2);
    boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
    in.reset();
    List<String> texts = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(gzip ? new GZIPInputStream(in) : in,
        StandardCharsets.UTF_8))) {
      String line;
      int number = 0;
      while ((line = r.readLine()) != null) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        int tab = line.indexOf('\t');
        String label = tab < 0 ? "" : line.substring(0, tab);
        if (!label.equals("0") && !label.equals("1")) {
          throw new IllegalArgumentException(source + " line " + number + ": expected 'label<TAB>text' with label 0 or 1");
        }
        labels.add(Integer.parseInt(label));
        texts.add(line.substring(tab + 1));
      }
    }
    return new Texts(texts, labels.stream().mapToInt(Integer::intValue).toArray());
  }

  /** Lower-cased words: letters, digits and inner apostrophes; HTML line breaks dropped. */
  public static List<String> words(String text) {
    String clean = text.replace("<br />", " ").toLowerCase(Locale.ROOT);
    List<String> out = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    for (int i = 0; i < clean.length(); i++) {
      char c = clean.charAt(i);
      if (Character.isLetterOrDigit(c) || (c == '\'' && w.length() > 0)) {
        w.append(c);
      } else if (w.length() > 0) {
        out.add(w.toString());
        w.setLength(0);
      }
    }
    if (w.length() > 0) {
      out.add(w.toString());
    }
    return out;
  }

  /** Word -> id for the {@code size} most frequent words of {@code texts} (ties: alphabetical), ids from 2. */
  public static Map<String, Integer> vocabulary(List<String> texts, int size) {
    Map<String, Integer> counts = new HashMap<>();
    for (String t : texts) {
      for (String w : words(t)) {
        counts.merge(w, 1, Integer::sum);
      }
    }
    List<Map.Entry<String, Integer>> sorted = new ArrayList<>(counts.entrySet());
    sorted.sort(Comparator.<Map.Entry<String, Integer>>comparingInt(Map.Entry::getValue).reversed()
        .thenComparing(Map.Entry::getKey));
    Map<String, Integer> ids = new HashMap<>();
    for (int i = 0; i < Math.min(size, sorted.size()); i++) {
      ids.put(sorted.get(i).getKey(), i + 2);
    }
    return ids;
  }

  /** Ids of each text, padded with 0 or truncated at the front to {@code length}: (n, length) floats. */
  public static HostArray encode(List<String> texts, Map<String, Integer> vocabulary, int length) {
    float[] out = new float[texts.size() * length];
    for (int i = 0; i < texts.size(); i++) {
      List<String> w = words(texts.get(i));
      int start = Math.max(0, w.size() - length);
      int offset = length - (w.size() - start);
      for (int j = start; j < w.size(); j++) {
        out[i * length + offset + j - start] = vocabulary.getOrDefault(w.get(j), OUT_OF_VOCABULARY);
      }
    }
    return HostArray.of(out, texts.size(), length);
  }

  /** Labels as floats (n,), for binary cross-entropy. */
  public static HostArray labels(int[] labels) {
    float[] out = new float[labels.length];
    for (int i = 0; i < labels.length; i++) {
      out[i] = labels[i];
    }
    return HostArray.of(out, labels.length);
  }
}
