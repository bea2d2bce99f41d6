/**
 * Visual pruning reports: a self-contained HTML page and PNG charts (XChart) of a pruned model or of
 * an experiment's results. A module of its own so that the DSL does not depend on a charting library.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.topiary.report;

import org.jspecify.annotations.NullMarked;
