package dev.topiary.dsl.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;

/** SavedModel export that never leaves a half-written directory behind. */
public final class SavedModels {
  private SavedModels() {}

  /**
   * Exports {@code session} with {@code signature} into a temporary sibling of {@code dir}, then
   * renames it to {@code dir}.
   *
   * @throws IllegalArgumentException if {@code dir} already exists
   */
  public static void exportAtomically(Path dir, Session session, Signature signature) throws IOException {
    Path target = dir.toAbsolutePath();
    if (Files.exists(target)) {
      throw new IllegalArgumentException("cannot export to " + dir + ": it already exists");
    }
    Files.createDirectories(target.getParent());
    Path temp = Files.createTempDirectory(target.getParent(), target.getFileName() + ".partial");
    try {
      Files.delete(temp); // the exporter creates the directory itself
      SavedModelBundle.exporter(temp.toString()).withSession(session).withSignature(signature).export();
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      if (Files.exists(temp)) {
        try (Stream<Path> files = Files.walk(temp)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }
}
