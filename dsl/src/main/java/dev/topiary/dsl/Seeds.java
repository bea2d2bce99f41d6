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
}
