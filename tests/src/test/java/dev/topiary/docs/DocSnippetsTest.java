package dev.topiary.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the documentation honest: every fenced code block of README.md and docs/**.md is either a
 * snippet whose text is a compiled source region (Java here in dev.topiary.docs, Kotlin in
 * dsl/kotlin's dev.topiary.kotlin.docs), or is marked as not compiled (shell, XML, Gradle, Python);
 * every relative link points to a file that exists (and a heading, for #anchors); no path of the
 * machine the docs were written on leaks into them.
 *
 * <p>In Markdown, the line before a block says which: {@code <!-- snippet: Name -->} (the region
 * between {@code // [snippet:Name]} and {@code // [end:Name]} of a source file, compared line by
 * line with leading and trailing whitespace ignored, so indentation may differ) or
 * {@code <!-- not-compiled: reason -->} (not allowed for java and kotlin blocks).
 */
class DocSnippetsTest {
  private static final Pattern FENCE = Pattern.compile("^(\\s*)```\\s*([A-Za-z0-9_+-]*)\\s*$");
  private static final Pattern SNIPPET_MARK = Pattern.compile("^\\s*<!--\\s*snippet:\\s*([A-Za-z0-9_]+)\\s*-->\\s*$");
  private static final Pattern NOT_COMPILED_MARK = Pattern.compile("^\\s*<!--\\s*not-compiled:\\s*(\\S.*?)\\s*-->\\s*$");
  private static final Pattern REGION_START = Pattern.compile("^\\s*//\\s*\\[snippet:([A-Za-z0-9_]+)]\\s*$");
  private static final Pattern REGION_END = Pattern.compile("^\\s*//\\s*\\[end:([A-Za-z0-9_]+)]\\s*$");
  // [text](target) and ![alt](target); the target up to whitespace or ')'
  private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
  private static final List<String> MACHINE_PATHS = List.of("/work/", "/root/", "../shared", "/tmp/bash_jobs");

  /** A fenced block: where it starts, its language, the marker line before it, its lines. */
  record Block(String file, int line, String language, String marker, List<String> lines) {}

  /** A source region between the markers. */
  record Region(String name, Path file, String language, List<String> lines) {}

  // ---- the real documentation ---------------------------------------------------------------------

  @Test
  void everyCodeBlockIsACompiledSnippetOrMarkedNotCompiled() throws IOException {
    Path root = repositoryRoot();
    Map<String, Region> regions = regions(root);
    List<String> problems = new ArrayList<>();
    Set<String> used = new TreeSet<>();
    List<Path> docs = markdownFiles(root);
    for (Path doc : docs) {
      String name = root.relativize(doc).toString();
      List<Block> blocks = blocks(name, Files.readAllLines(doc, StandardCharsets.UTF_8), problems);
      problems.addAll(check(blocks, regions, used));
    }
    assertThat(problems).as("code blocks of %s", docs.size() + " Markdown files").isEmpty();
    // A region no page shows is a snippet that was dropped from the docs but not from the sources
    Set<String> unused = new TreeSet<>(regions.keySet());
    unused.removeAll(used);
    assertThat(unused).as("snippet regions in the sources that no page uses").isEmpty();
    // Guard against the scan finding nothing (a moved docs directory would pass silently)
    assertThat(used).as("snippets used").hasSizeGreaterThanOrEqualTo(20).contains("Quickstart", "QuickstartKt");
  }

  @Test
  void everyRelativeLinkPointsToAnExistingFileAndHeading() throws IOException {
    Path root = repositoryRoot();
    List<String> problems = new ArrayList<>();
    int links = 0;
    for (Path doc : markdownFiles(root)) {
      List<String> text = Files.readAllLines(doc, StandardCharsets.UTF_8);
      for (Map.Entry<Integer, String> link : links(text)) {
        links++;
        String problem = checkLink(root, doc, link.getValue());
        if (problem != null) {
          problems.add(root.relativize(doc) + ":" + link.getKey() + ": " + problem);
        }
      }
    }
    assertThat(problems).isEmpty();
    assertThat(links).as("relative links found").isGreaterThanOrEqualTo(30);
  }

  @Test
  void noMachineSpecificPathInTheDocs() throws IOException {
    Path root = repositoryRoot();
    List<String> problems = new ArrayList<>();
    for (Path doc : markdownFiles(root)) {
      List<String> text = Files.readAllLines(doc, StandardCharsets.UTF_8);
      for (int i = 0; i < text.size(); i++) {
        for (String bad : MACHINE_PATHS) {
          if (text.get(i).contains(bad)) {
            problems.add(root.relativize(doc) + ":" + (i + 1) + ": " + bad);
          }
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void theReadmesQuickstartRunsAndPrunesItsLayerToEightyPercent() {
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      Quickstart.main(new String[0]);
    } finally {
      System.setOut(out);
    }
    String printed = captured.toString(StandardCharsets.UTF_8);
    out.print(printed);
    // 50 units x 2 inputs = 100 weights; 80 % of them is exactly 80 zeros, as the README's comment says
    assertThat(printed).contains("{dense_kernel=0.8, dense_1_kernel=0.0}");
    // The two classes are separable by one hyperplane: even the pruned net must learn them
    Matcher accuracy = Pattern.compile("accuracy=([0-9.]+)").matcher(printed.substring(printed.lastIndexOf('{')));
    assertThat(accuracy.find()).as("accuracy printed in %s", printed).isTrue();
    assertThat(Double.parseDouble(accuracy.group(1))).isGreaterThan(0.9);
  }

  // ---- the checker on made-up pages: it must catch what it is there for --------------------------

  @Test
  void aSnippetThatDriftedFromItsSourceFails() {
    Map<String, Region> regions = Map.of("Hello", new Region("Hello", Path.of("Hello.java"), "java",
        List.of("int a = 1;", "  int b = a + 1;")));
    List<String> problems = new ArrayList<>();
    List<Block> same = blocks("doc.md", List.of("<!-- snippet: Hello -->", "```java", "int a = 1;", "int b = a + 1;", "```"), problems);
    List<Block> drifted = blocks("doc.md", List.of("<!-- snippet: Hello -->", "```java", "int a = 2;", "int b = a + 1;", "```"), problems);
    assertThat(problems).isEmpty();
    assertThat(check(same, regions, new TreeSet<>())).isEmpty();
    assertThat(check(drifted, regions, new TreeSet<>())).singleElement().asString()
        .contains("doc.md:2", "Hello", "int a = 2;", "int a = 1;");
  }

  @Test
  void unmarkedBlocksUnknownSnippetsAndNotCompiledJavaFail() {
    List<String> problems = new ArrayList<>();
    List<Block> blocks = blocks("doc.md", List.of(
        "```sh", "mvn verify", "```",
        "<!-- snippet: Missing -->", "```java", "x();", "```",
        "<!-- not-compiled: pseudo-code -->", "```kotlin", "x()", "```",
        "<!-- not-compiled: a shell command -->", "```sh", "ls", "```"), problems);
    assertThat(problems).isEmpty();
    List<String> found = check(blocks, Map.of(), new TreeSet<>());
    assertThat(found).hasSize(3);
    assertThat(found.get(0)).contains("doc.md:1", "no <!-- snippet");
    assertThat(found.get(1)).contains("doc.md:5", "Missing");
    assertThat(found.get(2)).contains("doc.md:9", "kotlin");
  }

  @Test
  void anUnclosedFenceFails() {
    List<String> problems = new ArrayList<>();
    blocks("doc.md", List.of("<!-- not-compiled: shell -->", "```sh", "ls"), problems);
    assertThat(problems).singleElement().asString().contains("doc.md:2", "not closed");
  }

  @Test
  void linksToMissingFilesAndHeadingsFail(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Files.createDirectories(dir.resolve("docs"));
    Files.writeString(dir.resolve("docs/a.md"), "# Title\n\n## Install it (Maven)\n");
    Path doc = dir.resolve("README.md");
    assertThat(checkLink(dir, doc, "docs/a.md")).isNull();
    assertThat(checkLink(dir, doc, "docs/a.md#install-it-maven")).isNull();
    assertThat(checkLink(dir, doc, "docs/b.md")).contains("docs/b.md");
    assertThat(checkLink(dir, doc, "docs/a.md#usage")).contains("#usage");
    assertThat(checkLink(dir, doc, "https://example.com/x")).isNull();
    assertThat(links(List.of("see [a](docs/a.md) and `[b](c.md)`", "```", "[d](e.md)", "```")))
        .containsExactly(Map.entry(1, "docs/a.md"));
  }

  // ---- the checker ---------------------------------------------------------------------------------

  static List<String> check(List<Block> blocks, Map<String, Region> regions, Set<String> used) {
    List<String> problems = new ArrayList<>();
    for (Block b : blocks) {
      String where = b.file() + ":" + b.line() + ": ```" + b.language() + " block";
      Matcher snippet = SNIPPET_MARK.matcher(b.marker());
      boolean compiledLanguage = b.language().equals("java") || b.language().equals("kotlin");
      if (snippet.matches()) {
        String name = snippet.group(1);
        Region region = regions.get(name);
        if (region == null) {
          problems.add(where + ": snippet " + name + " is in no source file (// [snippet:" + name + "])");
          continue;
        }
        used.add(name);
        if (!region.language().equals(b.language())) {
          problems.add(where + ": snippet " + name + " is " + region.language() + " in " + region.file());
          continue;
        }
        List<String> shown = normalized(b.lines());
        List<String> source = normalized(region.lines());
        if (!shown.equals(source)) {
          problems.add(where + ": snippet " + name + " differs from " + region.file() + firstDifference(shown, source));
        }
      } else if (NOT_COMPILED_MARK.matcher(b.marker()).matches()) {
        if (compiledLanguage) {
          problems.add(where + ": " + b.language() + " must be a compiled snippet, not <!-- not-compiled -->");
        }
      } else {
        problems.add(where + " has no <!-- snippet: Name --> or <!-- not-compiled: reason --> on the line before");
      }
    }
    return problems;
  }

  private static String firstDifference(List<String> shown, List<String> source) {
    for (int i = 0; i < Math.max(shown.size(), source.size()); i++) {
      String a = i < shown.size() ? shown.get(i) : "<end>";
      String b = i < source.size() ? source.get(i) : "<end>";
      if (!a.equals(b)) {
        return " at line " + (i + 1) + " of the block: docs `" + a + "`, source `" + b + "`";
      }
    }
    return "";
  }

  /** Lines without their indentation and trailing blanks; blank lines at either end dropped. */
  static List<String> normalized(List<String> lines) {
    List<String> out = lines.stream().map(String::strip).collect(Collectors.toCollection(ArrayList::new));
    while (!out.isEmpty() && out.get(0).isEmpty()) {
      out.remove(0);
    }
    while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
      out.remove(out.size() - 1);
    }
    return out;
  }

  /** The fenced blocks of one Markdown file, each with the nearest non-blank line before it. */
  static List<Block> blocks(String file, List<String> lines, List<String> problems) {
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher open = FENCE.matcher(lines.get(i));
      if (!open.matches()) {
        continue;
      }
      String marker = "";
      for (int j = i - 1; j >= 0; j--) {
        if (!lines.get(j).isBlank()) {
          marker = lines.get(j);
          break;
        }
      }
      int start = i;
      List<String> body = new ArrayList<>();
      i++;
      while (i < lines.size() && !lines.get(i).strip().equals("```")) {
        body.add(lines.get(i));
        i++;
      }
      if (i == lines.size()) {
        problems.add(file + ":" + (start + 1) + ": code block not closed");
        break;
      }
      blocks.add(new Block(file, start + 1, open.group(2).toLowerCase(Locale.ROOT), marker, body));
    }
    return blocks;
  }

  /** Every region of the snippet sources by name; a name used twice is an error. */
  static Map<String, Region> regions(Path root) throws IOException {
    Map<String, Region> regions = new LinkedHashMap<>();
    List<Path> dirs = List.of(root.resolve("tests/src/test/java/dev/topiary/docs"),
        root.resolve("dsl/kotlin/src/test/kotlin/dev/topiary/kotlin/docs"));
    for (Path dir : dirs) {
      assertThat(dir).as("snippet sources").isDirectory();
      List<Path> files;
      try (Stream<Path> s = Files.list(dir)) {
        files = s.filter(p -> p.toString().endsWith(".java") || p.toString().endsWith(".kt")).sorted().toList();
      }
      for (Path file : files) {
        String language = file.toString().endsWith(".kt") ? "kotlin" : "java";
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Map<String, Integer> open = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
          Matcher start = REGION_START.matcher(lines.get(i));
          Matcher end = REGION_END.matcher(lines.get(i));
          if (start.matches()) {
            open.put(start.group(1), i);
          } else if (end.matches()) {
            Integer from = open.remove(end.group(1));
            assertThat(from).as("[snippet:%s] before [end:%s] in %s", end.group(1), end.group(1), file).isNotNull();
            Region previous = regions.put(end.group(1),
                new Region(end.group(1), root.relativize(file), language, lines.subList(from + 1, i)));
            assertThat(previous).as("snippet %s defined twice (%s)", end.group(1), file).isNull();
          }
        }
        assertThat(open).as("snippet regions without [end:...] in %s", file).isEmpty();
      }
    }
    return regions;
  }

  /** The relative link targets of a page by line, outside code blocks and inline code. */
  static List<Map.Entry<Integer, String>> links(List<String> lines) {
    List<Map.Entry<Integer, String>> out = new ArrayList<>();
    boolean inBlock = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (FENCE.matcher(line).matches() || line.strip().equals("```")) {
        inBlock = !inBlock;
        continue;
      }
      if (inBlock) {
        continue;
      }
      Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", ""));
      while (m.find()) {
        String target = m.group(1);
        if (!target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {   // not http:, https:, mailto:
          out.add(Map.entry(i + 1, target));
        }
      }
    }
    return out;
  }

  /** Null when the link resolves; otherwise what is wrong. */
  static String checkLink(Path root, Path doc, String target) {
    if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
      return null;
    }
    int hash = target.indexOf('#');
    String file = hash < 0 ? target : target.substring(0, hash);
    String anchor = hash < 0 ? null : target.substring(hash + 1);
    Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
    if (!resolved.startsWith(root.normalize())) {
      return target + " leaves the repository";
    }
    if (!Files.exists(resolved)) {
      return target + ": no such file " + root.relativize(resolved);
    }
    if (anchor != null && resolved.toString().endsWith(".md")) {
      try {
        if (!anchors(Files.readAllLines(resolved, StandardCharsets.UTF_8)).contains(anchor)) {
          return target + ": no heading #" + anchor + " in " + root.relativize(resolved);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return null;
  }

  /** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats. */
  static Set<String> anchors(List<String> lines) {
    Set<String> out = new TreeSet<>();
    Map<String, Integer> seen = new HashMap<>();
    boolean inBlock = false;
    for (String line : lines) {
      if (line.strip().startsWith("```")) {
        inBlock = !inBlock;
        continue;
      }
      if (inBlock || !line.startsWith("#")) {
        continue;
      }
      String text = line.replaceFirst("^#+\\s*", "").strip().toLowerCase(Locale.ROOT);
      String slug = text.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
      int count = seen.merge(slug, 1, Integer::sum);
      out.add(count == 1 ? slug : slug + "-" + (count - 1));
    }
    return out;
  }

  static List<Path> markdownFiles(Path root) throws IOException {
    List<Path> files = new ArrayList<>();
    files.add(root.resolve("README.md"));
    try (Stream<Path> s = Files.walk(root.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
    }
    return files;
  }

  /** The repository root: the nearest directory up from the working directory with README.md and docs/. */
  static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("docs"))
          && Files.isRegularFile(dir.resolve("pom.xml"))) {
        return dir;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("no repository root (README.md, docs/, pom.xml) above " + Path.of("").toAbsolutePath());
  }
}
