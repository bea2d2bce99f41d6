package dev.topiary.dsl.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * JSON for model configs, by Jackson: objects read as ordered maps, arrays as lists, whole numbers as
 * Long, others as Double. Reading is bounded, so a hostile or corrupt file fails with a message instead
 * of exhausting the stack or the heap: nesting depth {@value #MAX_DEPTH}, strings up to
 * {@value #MAX_STRING} characters, numbers up to {@value #MAX_NUMBER} digits; duplicate keys and text
 * after the document are errors. Written pretty-printed ({@code "key": value}, two-space indent).
 */
public final class Json {
  /** Deepest nesting of objects and arrays accepted (a config needs about a dozen). */
  public static final int MAX_DEPTH = 64;
  public static final int MAX_STRING = 1 << 20;
  public static final int MAX_NUMBER = 64;

  private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
              .maxStringLength(MAX_STRING).maxNumberLength(MAX_NUMBER).build())
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build())
      .enable(DeserializationFeature.USE_LONG_FOR_INTS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  /** Objects one key per line, arrays inline ({@code [1, 2]}, {@code [{...}, {...}]}). */
  private static final ObjectWriter WRITER = MAPPER.writer(new DefaultPrettyPrinter(Separators.createDefaultInstance()
          .withObjectFieldValueSpacing(Separators.Spacing.AFTER).withArrayValueSpacing(Separators.Spacing.AFTER)
          .withObjectEmptySeparator("").withArrayEmptySeparator(""))
      .withObjectIndenter(new DefaultIndenter("  ", "\n"))
      .withArrayIndenter(DefaultPrettyPrinter.NopIndenter.instance));

  private Json() {}

  /** Parses {@code text}; throws {@link IllegalArgumentException} naming the line and column of the problem. */
  public static Object parse(String text) {
    try {
      return MAPPER.readValue(text, Object.class);
    } catch (JacksonException e) {
      throw invalid(e);
    }
  }

  /** Parses UTF-8 {@code bytes}; invalid UTF-8 is an {@link IllegalArgumentException} like invalid JSON. */
  public static Object parse(byte[] bytes) {
    try {
      return MAPPER.readValue(bytes, Object.class);
    } catch (JacksonException e) {
      throw invalid(e);
    } catch (IOException e) {
      throw new IllegalArgumentException("invalid JSON: " + e.getMessage(), e);
    }
  }

  private static IllegalArgumentException invalid(JacksonException e) {
    JsonLocation at = e.getLocation();
    String where = at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    return new IllegalArgumentException("invalid JSON" + where + ": " + e.getOriginalMessage(), e);
  }

  /** {@code value} (maps, lists, strings, numbers, booleans, null) pretty-printed, with a final newline. */
  public static String write(Object value) {
    requireFinite(value);
    try {
      return WRITER.writeValueAsString(value) + "\n";
    } catch (JacksonException e) {
      throw new IllegalArgumentException("cannot write JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** JSON has no NaN or infinity: fail on writing rather than write what cannot be read back. */
  private static void requireFinite(Object value) {
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (!Double.isFinite(d)) {
        throw new IllegalArgumentException("JSON has no " + d);
      }
    } else if (value instanceof Map<?, ?> m) {
      m.values().forEach(Json::requireFinite);
    } else if (value instanceof List<?> l) {
      l.forEach(Json::requireFinite);
    }
  }
}
