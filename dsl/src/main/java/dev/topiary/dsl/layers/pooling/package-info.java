/** Pooling layers: windowed 1-D/2-D/3-D max and average, and global pooling. */
@NullMarked
package dev.topiary.dsl.layers.pooling;

import org.jspecify.annotations.NullMarked;
