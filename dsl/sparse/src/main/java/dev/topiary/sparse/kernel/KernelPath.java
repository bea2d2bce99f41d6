package dev.topiary.sparse.kernel;

/**
 * Which kernels run: the Vector API ones when {@code jdk.incubator.vector} is in the boot layer (the JVM
 * was started with {@code --add-modules jdk.incubator.vector}), plain Java otherwise. The vector class is
 * looked up by name only after that check, so without the module it is never loaded.
 */
public enum KernelPath {
  /** Vector API if present, else plain Java. */
  AUTO,
  /** Vector API; fails if the module is not present. */
  VECTOR,
  /** Plain Java, even if the Vector API is present (the fallback, e.g. to compare against). */
  SCALAR;

  private static final String VECTOR_MODULE = "jdk.incubator.vector";
  private static volatile Kernels vector;

  /** True when the JVM runs with the Vector API module. */
  public static boolean vectorAvailable() {
    return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
  }

  /** The kernels of this path. */
  public Kernels kernels() {
    if (this == SCALAR || (this == AUTO && !vectorAvailable())) {
      return ScalarKernels.INSTANCE;
    }
    if (!vectorAvailable()) {
      throw new IllegalStateException("the Vector API kernels need the JVM option --add-modules "
          + VECTOR_MODULE + " (module not present in this JVM); use KernelPath.AUTO or SCALAR to run without it");
    }
    Kernels k = vector;
    if (k == null) {
      try {
        k = (Kernels) Class.forName("dev.topiary.sparse.vector.VectorKernels").getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot load the Vector API kernels", e);
      }
      vector = k;
    }
    return k;
  }
}
