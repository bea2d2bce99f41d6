package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code samples/jshell/topiary.jsh} promises a session that needs no imports: every public class of
 * the library's user-facing packages must be imported by it. The classes come from the library
 * modules on this test's class path (their compiled classes or jars), not from the script, so a new
 * class or package fails here until the script imports it.
 */
class JShellStartupImportsTest {
  /** Packages of the library modules, by the module that holds them: each must be found on the class path. */
  private static final List<String> MODULE_ROOTS = List.of("dev.topiary.ops.", "dev.topiary.dsl.",
      "dev.topiary.bridge.", "dev.topiary.keras.", "dev.topiary.tflite.", "dev.topiary.sparse.", "dev.topiary.report.");

  /**
   * Implementation packages: public for the other modules, not for users (executors and graph
   * passes; the sparse module's kernels, matrices and layer translation behind SparseModel).
   */
  private static final Set<String> INTERNAL = Set.of("dev.topiary.dsl.runtime", "dev.topiary.dsl.graph", "dev.topiary.sparse.exec",
      "dev.topiary.sparse.kernel", "dev.topiary.sparse.layers", "dev.topiary.sparse.matrix",
      "dev.topiary.sparse.vector");

  private static final Pattern IMPORT = Pattern.compile("^import\\s+([\\w.]+?)(\\.\\*)?\\s*;", Pattern.MULTILINE);

  @Test
  void everyPublicClassOfAUserFacingPackageIsImported() throws Exception {
    List<String> classes = libraryClasses();
    for (String root : MODULE_ROOTS) {
      assertThat(classes).as("classes of " + root + "* on the class path").anyMatch(c -> c.startsWith(root));
    }
    Set<String> packages = new TreeSet<>();
    Set<String> types = new TreeSet<>();
    Matcher m = IMPORT.matcher(Files.readString(Path.of("..", "samples", "jshell", "topiary.jsh")));
    while (m.find()) {
      (m.group(2) != null ? packages : types).add(m.group(1));
    }
    List<String> missing = new ArrayList<>();
    int userFacing = 0;
    for (String name : classes) {
      String pkg = name.substring(0, name.lastIndexOf('.'));
      if (name.contains("$") || INTERNAL.contains(pkg)) {
        continue;
      }
      Class<?> c = Class.forName(name, false, getClass().getClassLoader());
      if (!Modifier.isPublic(c.getModifiers())) {
        continue;
      }
      userFacing++;
      if (!packages.contains(pkg) && !types.contains(name)) {
        missing.add(name);
      }
    }
    assertThat(userFacing).as("public user-facing classes found").isGreaterThan(150);
    assertThat(missing).as("public classes topiary.jsh does not import").isEmpty();
  }

  /** Binary names of the classes of the library modules: main class directories and topiary jars, no tests. */
  private static List<String> libraryClasses() throws IOException {
    List<String> names = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry);
      String file = p.getFileName() == null ? "" : p.getFileName().toString();
      if (Files.isDirectory(p) && file.equals("classes")) {
        collect(p, names);
      } else if (Files.isRegularFile(p) && file.startsWith("topiary-") && file.endsWith(".jar")
          && !file.contains("-tests")) {
        try (FileSystem jar = FileSystems.newFileSystem(p)) {
          collect(jar.getPath("/"), names);
        }
      }
    }
    return names.stream().filter(n -> MODULE_ROOTS.stream().anyMatch(n::startsWith)).toList();
  }

  private static void collect(Path root, List<String> names) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      files.map(f -> root.relativize(f).toString().replace('\\', '/'))
          .filter(f -> f.endsWith(".class") && !f.endsWith("module-info.class") && !f.endsWith("package-info.class"))
          .forEach(f -> names.add(f.substring(0, f.length() - ".class".length()).replace('/', '.')));
    }
  }
}
