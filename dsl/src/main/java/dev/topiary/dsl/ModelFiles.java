package dev.topiary.dsl;

import dev.topiary.dsl.config.Json;
import dev.topiary.dsl.config.ModelConfig;
import dev.topiary.dsl.export.AtomicFiles;
import dev.topiary.dsl.export.BinaryFormat;
import dev.topiary.dsl.export.CorruptFileException;
import dev.topiary.dsl.export.ReadLimits;
import dev.topiary.dsl.state.SnapshotFile;
import dev.topiary.dsl.training.Compile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A model saved as a directory: {@code model.json} (the readable definition: layers, settings,
 * pruning schedules and strategies) next to {@code state.tpck} (every variable, pruned weights
 * sparse) and {@code manifest.json} (the size and SHA-256 of both). Loading gives a model that
 * continues training exactly where the saved one stopped, or that can be stripped and exported.
 *
 * <p><b>A saved directory is one atomic unit.</b> {@link #save} writes all three files into a new
 * hidden sibling directory ({@code .<name>.tmp-<random>}), flushes them to disk, then swaps it in
 * with two renames: the old directory to {@code .<name>.previous}, the new one to {@code <name>};
 * then it deletes the previous one. Killed at any moment, the disk holds the complete old or the
 * complete new model: if the kill fell between the two renames, {@code <name>} is missing and
 * {@link #load} reads {@code .<name>.previous} (the next save puts it back first). The manifest is
 * written last and checked on every load: a directory whose files do not match it (one changed byte
 * in {@code model.json}, a file from another save) is refused, naming the file. One process saves
 * into a directory at a time.
 */
public final class ModelFiles {
  public static final String CONFIG = "model.json";
  public static final String STATE = "state.tpck";
  public static final String MANIFEST = "manifest.json";
  static final String MANIFEST_FORMAT = "topiary-model-directory";
  static final int MANIFEST_VERSION = 1;
  private static final long MAX_MANIFEST_BYTES = 64 * 1024;
  private static final Set<String> OWN_FILES = Set.of(CONFIG, STATE, MANIFEST);

  private ModelFiles() {}

  /**
   * Saves {@code model} as the directory {@code dir}, replacing a model saved there before as one
   * unit (see the class description).
   *
   * @throws IllegalArgumentException if {@code dir} exists and is not a saved model directory (a
   *     file, or a directory holding other files): it is never replaced
   */
  public static void save(Model model, Path dir) throws IOException {
    Objects.requireNonNull(model, "save: model must not be null");
    Objects.requireNonNull(dir, "save: directory must not be null");
    byte[] config = ModelConfig.toJson(model.spec()).getBytes(StandardCharsets.UTF_8);
    write(dir, config, Checkpoint.of(model, 0, 0, "saved model"));
  }

  /** The saving half of {@link #save}, for a definition and a state already taken. */
  static void write(Path dir, byte[] config, Checkpoint state) throws IOException {
    Path target = dir.toAbsolutePath().normalize();
    Path parent = target.getParent();
    Files.createDirectories(parent);
    String name = target.getFileName().toString();
    Path previous = parent.resolve("." + name + ".previous");
    recover(target, previous, name);
    requireReplaceable(target);
    Path temp = AtomicFiles.newTempDirectory(target);
    try {
      Path configFile = temp.resolve(CONFIG);
      Files.createFile(configFile);
      AtomicFiles.writeSynced(configFile, config);
      state.write(temp.resolve(STATE));
      byte[] stateBytes = Files.readAllBytes(temp.resolve(STATE));
      Path manifestFile = temp.resolve(MANIFEST);
      Files.createFile(manifestFile);
      AtomicFiles.writeSynced(manifestFile, manifest(Map.of(CONFIG, config, STATE, stateBytes)));
      AtomicFiles.syncDirectory(temp);
      boolean replacing = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
      if (replacing) {
        Files.move(target, previous, StandardCopyOption.ATOMIC_MOVE);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | RuntimeException e) {
        if (replacing) {
          Files.move(previous, target, StandardCopyOption.ATOMIC_MOVE);
        }
        throw e;
      }
      AtomicFiles.syncDirectory(parent);
      AtomicFiles.deleteRecursively(previous);
    } finally {
      AtomicFiles.release(temp);
    }
  }

  /**
   * Undoes what a killed save left: the complete previous model back in place if the kill fell
   * between the two renames, else drops a leftover previous model (abandoned temporary ones go when
   * {@link AtomicFiles#newTempDirectory} makes the new one).
   */
  private static void recover(Path target, Path previous, String name) throws IOException {
    if (Files.isDirectory(previous, LinkOption.NOFOLLOW_LINKS)) {
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        AtomicFiles.deleteRecursively(previous);
      } else {
        Files.move(previous, target, StandardCopyOption.ATOMIC_MOVE);
      }
    }
  }

  private static void requireReplaceable(Path target) throws IOException {
    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalArgumentException("cannot save a model to " + target + ": it exists and is not a directory");
    }
    List<String> others = new ArrayList<>();
    try (Stream<Path> files = Files.list(target)) {
      files.map(p -> p.getFileName().toString()).filter(n -> !OWN_FILES.contains(n)).sorted().forEach(others::add);
    }
    if (!others.isEmpty()) {
      throw new IllegalArgumentException("cannot save a model to " + target + ": it holds other files than a saved model's "
          + others + "; saving replaces the whole directory");
    }
  }

  /** The manifest of {@code files} (name to content): format, version, and each file's size and SHA-256. */
  static byte[] manifest(Map<String, byte[]> files) {
    Map<String, Object> entries = new LinkedHashMap<>();
    for (String name : List.of(CONFIG, STATE)) {
      byte[] bytes = files.get(name);
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("size", (long) bytes.length);
      e.put("sha256", sha256(bytes));
      entries.put(name, e);
    }
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("format", MANIFEST_FORMAT);
    root.put("version", (long) MANIFEST_VERSION);
    root.put("files", entries);
    return Json.write(root).getBytes(StandardCharsets.UTF_8);
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every Java platform has SHA-256
    }
  }

  /**
   * Loads a saved model into a new graph model trained with {@code compile} (loss, optimizer, seed:
   * they are not part of the definition).
   *
   * @throws CorruptFileException naming the file and the problem: no manifest, a file missing or not
   *     matching its size and SHA-256 in the manifest, an invalid config or state
   * @throws NoSuchFileException if there is no saved model at {@code dir}
   */
  public static Model load(Path dir, Compile compile) throws IOException {
    Objects.requireNonNull(dir, "load: directory must not be null");
    Objects.requireNonNull(compile, "load: compile settings must not be null");
    Verified files = readVerified(dir);
    String source = files.stateFile().toString();
    SnapshotFile.Contents verified = SnapshotFile.decode(files.state(), files.tally());
    for (String key : List.of("epoch", "batch")) {
      String value = verified.properties().get(key);
      if (value == null || !value.matches("[0-9]{1,9}")) {
        throw new CorruptFileException(source, "not a saved model state (property '" + key + "' is " + value + ")");
      }
    }
    // From the verified bytes, not a second read of the file (which a concurrent save may have
    // replaced, and which would hold the state in memory twice more).
    Checkpoint state = Checkpoint.fromContents(verified, source);
    Model model = files.spec().compile(compile);
    try {
      restore(model, state, source);
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /**
   * Restores a saved model's state (weights, masks, optimizer state, step) into {@code model}, whose
   * definition must be the saved one; the directory is verified against its manifest like {@link #load}.
   *
   * @throws CorruptFileException naming the file when its state does not fit {@code model}
   */
  public static void restoreInto(Model model, Path dir) throws IOException {
    Objects.requireNonNull(model, "restoreInto: model");
    Verified files = readVerified(dir);
    String source = files.stateFile().toString();
    SnapshotFile.Contents verified = SnapshotFile.decode(files.state(), files.tally());
    restore(model, Checkpoint.fromContents(verified, source), source);
  }

  private static void restore(Model model, Checkpoint state, String source) {
    try {
      model.restore(state.snapshot());
    } catch (CorruptFileException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new CorruptFileException(source, "does not fit the model of " + CONFIG + ": " + e.getMessage());
    }
  }

  /**
   * Only the definition, e.g. to build an eager model or to inspect it; the directory is verified
   * against its manifest like {@link #load} does.
   */
  public static ModelSpec loadSpec(Path dir) throws IOException {
    Objects.requireNonNull(dir, "loadSpec: directory must not be null");
    return readVerified(dir).spec();
  }

  /** The definition and the state's bytes of a directory, both matching its manifest. */
  private record Verified(ModelSpec spec, byte[] state, Path stateFile, ReadLimits.Tally tally) {}

  private static Verified readVerified(Path dir) throws IOException {
    Path target = dir.toAbsolutePath().normalize();
    Path from = target;
    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      // A save was killed between its two renames: the complete previous model waits beside.
      Path previous = target.getParent().resolve("." + target.getFileName() + ".previous");
      if (!Files.isDirectory(previous, LinkOption.NOFOLLOW_LINKS)) {
        throw new NoSuchFileException(dir.toString(), null, "no saved model here");
      }
      from = previous;
    }
    Path manifestFile = from.resolve(MANIFEST);
    if (!Files.isRegularFile(manifestFile)) {
      throw new CorruptFileException(dir.toString(), "no " + MANIFEST + ": not a complete saved model directory");
    }
    Map<String, Long> sizes = new LinkedHashMap<>();
    Map<String, String> hashes = new LinkedHashMap<>();
    readManifest(manifestFile, sizes, hashes);
    Map<String, byte[]> contents = new LinkedHashMap<>();
    // One budget for the whole directory; the state's decoding is charged to it too.
    ReadLimits.Tally tally = ReadLimits.tally(from.resolve(STATE).toString());
    for (String name : List.of(CONFIG, STATE)) {
      Path file = from.resolve(name);
      String source = file.toString();
      if (!Files.isRegularFile(file)) {
        throw new CorruptFileException(source, "missing (" + MANIFEST + " lists it)");
      }
      long size = Files.size(file);
      if (size != sizes.get(name)) {
        throw new CorruptFileException(source, "has " + size + " bytes, " + MANIFEST + " says " + sizes.get(name)
            + ": the file was changed or comes from another save");
      }
      if (name.equals(CONFIG) && size > ModelConfig.MAX_JSON_BYTES) {
        throw new CorruptFileException(source, "has " + size + " bytes, more than a model config may have ("
            + ModelConfig.MAX_JSON_BYTES + ")");
      }
      byte[] bytes;
      try {
        bytes = name.equals(CONFIG) ? tally.readFile(file, null, 0, null)
            : tally.readFile(file, SnapshotFile.magic(), 0, "Topiary checkpoint");
      } catch (CorruptFileException e) {
        throw e.file().equals(source) ? e : new CorruptFileException(source, problem(e));
      }
      if (bytes.length != size || !sha256(bytes).equals(hashes.get(name))) {
        throw new CorruptFileException(source, "its SHA-256 does not match " + MANIFEST
            + ": the file was changed or comes from another save");
      }
      contents.put(name, bytes);
    }
    Path configFile = from.resolve(CONFIG);
    String json = strictUtf8(contents.get(CONFIG), configFile.toString());
    return new Verified(ModelConfig.fromJson(json, configFile.toString()), contents.get(STATE), from.resolve(STATE),
        tally);
  }

  /** The problem an exception names, without its file. */
  private static String problem(CorruptFileException e) {
    String m = e.getMessage();
    return m.startsWith(e.file() + ": ") ? m.substring(e.file().length() + 2) : m;
  }

  private static void readManifest(Path file, Map<String, Long> sizes, Map<String, String> hashes) throws IOException {
    String source = file.toString();
    long size = Files.size(file);
    if (size > MAX_MANIFEST_BYTES) {
      throw new CorruptFileException(source, "too large for a manifest (" + size + " bytes)");
    }
    Object parsed;
    try {
      parsed = Json.parse(strictUtf8(Files.readAllBytes(file), source));
    } catch (CorruptFileException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new CorruptFileException(source, e.getMessage());
    }
    if (!(parsed instanceof Map<?, ?> root)) {
      throw new CorruptFileException(source, "not a JSON object");
    }
    if (!MANIFEST_FORMAT.equals(root.get("format"))) {
      throw new CorruptFileException(source, "not a Topiary model manifest (format " + root.get("format") + ")");
    }
    long version = integer(root.get("version"), source, "version");
    if (version > MANIFEST_VERSION) {
      throw new CorruptFileException(source, "written by a newer manifest version " + version + "; this Topiary reads"
          + " version " + MANIFEST_VERSION);
    }
    if (version < 1) {
      throw new CorruptFileException(source, "invalid version " + version);
    }
    if (!root.keySet().equals(Set.of("format", "version", "files"))) {
      throw new CorruptFileException(source, "unexpected keys " + root.keySet() + "; expected format, version, files");
    }
    if (!(root.get("files") instanceof Map<?, ?> files) || !files.keySet().equals(Set.of(CONFIG, STATE))) {
      throw new CorruptFileException(source, "'files' must list exactly " + CONFIG + " and " + STATE);
    }
    for (String name : List.of(CONFIG, STATE)) {
      if (!(files.get(name) instanceof Map<?, ?> entry) || !entry.keySet().equals(Set.of("size", "sha256"))) {
        throw new CorruptFileException(source, "the entry of " + name + " must hold exactly 'size' and 'sha256'");
      }
      long bytes = integer(entry.get("size"), source, name + " size");
      if (bytes < 0 || bytes > BinaryFormat.MAX_FILE_BYTES) {
        throw new CorruptFileException(source, "invalid size " + bytes + " of " + name);
      }
      if (!(entry.get("sha256") instanceof String hash) || !hash.matches("[0-9a-f]{64}")) {
        throw new CorruptFileException(source, "invalid sha256 of " + name);
      }
      sizes.put(name, bytes);
      hashes.put(name, hash);
    }
  }

  private static long integer(Object value, String source, String what) {
    if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    throw new CorruptFileException(source, what + " must be an integer, got " + value);
  }

  private static String strictUtf8(byte[] bytes, String source) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new CorruptFileException(source, "not valid UTF-8");
    }
  }
}
