package dev.topiary.dsl;

/** Derives independent, reproducible seeds from the model seed and a name. */
public final class Seeds {
  private Seeds() {}

  public static long mix(long seed, String name) {
    long h = seed * 0x9E3779B97F4A7C15L + name.hashCode();
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    return h & Long.MAX_VALUE;
  }

  /**
   * The random source of one epoch's order: depends only on (seed, epoch), so a resumed fit sees the
   * order an uninterrupted one saw. Fit's array shuffles and Dataset shuffles both draw from it.
   */
  public static java.util.Random epochRandom(long seed, int epoch) {
    return new java.util.Random(mix(seed, "epoch " + epoch));
  }
}
