package dev.topiary.dsl;

/** How a model runs: as a TensorFlow graph in a session, or op by op in an eager session. */
public enum ExecutionMode {
  GRAPH,
  EAGER
}
