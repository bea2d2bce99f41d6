package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.layers.core.Dense;
import java.lang.reflect.Method;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The Java API works without kotlin-stdlib and exposes no Kotlin types. */
class JavaNeedsNoKotlinTest {

  @Test
  void kotlinIsNotOnTheClassPathOfJavaUsers() {
    assertThatThrownBy(() -> Class.forName("kotlin.Unit")).isInstanceOf(ClassNotFoundException.class);
    // ...and the DSL works: this module's other tests build, train and prune models.
    assertThat(Sequential.of(Input.of(4), Dense.of(2)).layerNames()).containsExactly("dense");
  }

  @Test
  void publicSignaturesMentionNoKotlinTypes() {
    for (Class<?> type : new Class<?>[] {ModelSpec.class, Model.class, Node.class, Dense.class, Sequential.class,
        Functional.class, ModelSummary.class}) {
      for (Method m : type.getMethods()) {
        String signature = m.toGenericString();
        assertThat(signature).as(signature).doesNotContain("kotlin.");
      }
      assertThat(type.getName()).doesNotEndWith("Kt");
    }
    assertThat(Arrays.stream(ModelSpec.class.getMethods()).map(Method::getName)).contains("prunedWith", "compile");
  }
}
