package dev.topiary.ops.schedule;

/** What a schedule says for one step: whether masks are recomputed, and with which target sparsity. */
public record ScheduleDecision(boolean shouldPrune, float sparsity) {}
