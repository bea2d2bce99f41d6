/**
 * Low-level graph utilities below both the layers and the runtime: what TF Java 1.1 keeps out of
 * reach through its C API (a graph's native handle, functions with variant arguments). Layers and
 * executors may use it; it uses neither. Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.topiary.dsl.graph;

import org.jspecify.annotations.NullMarked;
