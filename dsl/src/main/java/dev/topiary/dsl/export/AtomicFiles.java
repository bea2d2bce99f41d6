package dev.topiary.dsl.export;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Writes that never leave a half-written file behind: a temporary sibling, written and flushed to
 * disk, then an atomic rename. Files and directories are created with the platform's default
 * permissions, so they honour the umask (unlike {@link Files#createTempFile}, which always gives
 * 0600).
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** The infix of every temporary sibling: {@code .<target name>.tmp-<random>}. */
  static final String TEMP_INFIX = ".tmp-";
  /** Temporary siblings this JVM is writing now: never taken for stale by another save. */
  private static final Set<Path> IN_USE = ConcurrentHashMap.newKeySet();

  /** Writes {@code bytes} to a temporary sibling of {@code file}, syncs it, then renames it over {@code file}. */
  public static void write(Path file, byte[] bytes) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path temp = newTempFile(file);
    try {
      writeSynced(temp, bytes);
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(dir);
    } finally {
      release(temp);
    }
  }

  /**
   * A new empty temporary file beside {@code target}, named {@code .<target name>.tmp-<random>}, after
   * removing the stale ones an earlier, killed save of the same target left ({@link #removeStaleTemps}).
   * Every save in Topiary makes its temporary files and directories here, so a kill at any moment
   * leaves only names the next save of that target recognises and removes. Call {@link #release} when
   * done (it deletes the file if it still exists).
   */
  public static Path newTempFile(Path target) throws IOException {
    Path dir = parentOf(target);
    removeStaleTemps(target);
    Path temp = newFile(dir, tempPrefix(target), "");
    IN_USE.add(temp);
    return temp;
  }

  /** Like {@link #newTempFile}, a new empty temporary directory beside {@code target}. */
  public static Path newTempDirectory(Path target) throws IOException {
    Path dir = parentOf(target);
    removeStaleTemps(target);
    Path temp = newDirectory(dir, tempPrefix(target));
    IN_USE.add(temp);
    return temp;
  }

  /** Deletes a temporary file or directory from {@link #newTempFile} / {@link #newTempDirectory}, if it still exists. */
  public static void release(Path temp) throws IOException {
    try {
      deleteRecursively(temp);
    } finally {
      IN_USE.remove(temp);
    }
  }

  private static Path parentOf(Path target) throws IOException {
    Path dir = target.toAbsolutePath().normalize().getParent();
    Files.createDirectories(dir);
    return dir;
  }

  /** {@code .<target name>.tmp-}. */
  static String tempPrefix(Path target) {
    return "." + target.toAbsolutePath().normalize().getFileName() + TEMP_INFIX;
  }

  /**
   * Removes the temporary siblings of {@code target} that a killed save left: {@code .<name>.tmp-*},
   * and the names earlier Topiary versions used ({@code .<name>.<16 hex>.tmp}, {@code <name>.partial<16
   * hex>}, {@code .<name>.saving-*}), except those this JVM is writing now. One process saves
   * to a target at a time: another process's save in progress would be taken for stale.
   */
  public static void removeStaleTemps(Path target) throws IOException {
    Path dir = parentOf(target);
    String name = target.toAbsolutePath().normalize().getFileName().toString();
    String prefix = tempPrefix(target);
    String legacy = "(\\." + Pattern.quote(name) + "\\.[0-9a-f]{16}\\.tmp|" + Pattern.quote(name) + "\\.partial[0-9a-f]{16}|\\."
        + Pattern.quote(name) + "\\.saving-.+)";
    Pattern old = Pattern.compile(legacy);
    List<Path> stale = new ArrayList<>();
    try (Stream<Path> siblings = Files.list(dir)) {
      siblings.filter(p -> {
        String n = p.getFileName().toString();
        return (n.startsWith(prefix) || old.matcher(n).matches()) && !IN_USE.contains(p);
      }).forEach(stale::add);
    }
    for (Path p : stale) {
      try {
        deleteRecursively(p);
      } catch (java.nio.file.NoSuchFileException e) {
        // removed meanwhile
      }
    }
  }

  /**
   * Creates a new empty file {@code prefix + random + suffix} in {@code dir} with default
   * permissions (the umask applies).
   */
  public static Path newFile(Path dir, String prefix, String suffix) throws IOException {
    for (int attempt = 0; ; attempt++) {
      Path p = dir.resolve(prefix + randomName() + suffix);
      try {
        return Files.createFile(p);
      } catch (FileAlreadyExistsException e) {
        if (attempt > 100) {
          throw e;
        }
      }
    }
  }

  /** Creates a new empty directory {@code prefix + random} in {@code dir} with default permissions. */
  public static Path newDirectory(Path dir, String prefix) throws IOException {
    for (int attempt = 0; ; attempt++) {
      Path p = dir.resolve(prefix + randomName());
      try {
        return Files.createDirectory(p);
      } catch (FileAlreadyExistsException e) {
        if (attempt > 100) {
          throw e;
        }
      }
    }
  }

  private static String randomName() {
    return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
  }

  /** Writes {@code bytes} into the existing {@code file} (replacing its content) and forces them to disk. */
  public static void writeSynced(Path file, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        ch.write(buffer);
      }
      ch.force(true);
    }
  }

  /**
   * Forces a directory's entries (creations, renames) to disk, where the platform allows opening a
   * directory; elsewhere does nothing.
   */
  public static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not supported on this platform (e.g. Windows): the rename is still atomic, only its durability
      // on power loss is not guaranteed.
    }
  }

  /** Deletes {@code path} and everything below it, if it exists. */
  public static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> files = Files.walk(path)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
