package dev.topiary.dsl.export;

/** A file Topiary wrote cannot be read back: the message names the file and the problem. */
public class CorruptFileException extends IllegalArgumentException {
  private final String file;

  public CorruptFileException(String file, String problem) {
    super(file + ": " + problem);
    this.file = file;
  }

  /** The file (or resource) that could not be read. */
  public String file() {
    return file;
  }
}
