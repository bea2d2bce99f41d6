package dev.topiary.dsl.export;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
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

  /** Writes {@code bytes} to a temporary sibling of {@code file}, syncs it, then renames it over {@code file}. */
  public static void write(Path file, byte[] bytes) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = newFile(dir, "." + file.getFileName() + ".", ".tmp");
    try {
      writeSynced(temp, bytes);
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(dir);
    } finally {
      Files.deleteIfExists(temp);
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
