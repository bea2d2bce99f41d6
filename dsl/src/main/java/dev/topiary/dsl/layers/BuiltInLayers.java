package dev.topiary.dsl.layers;

import dev.topiary.dsl.config.ConfigRegistry;

/** Registers the built-in layers' config factories (their settings readers are package-private). */
public final class BuiltInLayers {
  private BuiltInLayers() {}

  public static void registerAll() {
    ConfigRegistry.registerLayer("Dense", Dense::fromConfig);
    ConfigRegistry.registerLayer("Conv2D", Conv2D::fromConfig);
    ConfigRegistry.registerLayer("MaxPooling2D", s -> Pooling2D.fromConfig(Pooling2D.Kind.MAX, s));
    ConfigRegistry.registerLayer("AveragePooling2D", s -> Pooling2D.fromConfig(Pooling2D.Kind.AVERAGE, s));
    ConfigRegistry.registerLayer("GlobalAveragePooling2D", GlobalAveragePooling2D::fromConfig);
    ConfigRegistry.registerLayer("Flatten", Flatten::fromConfig);
    ConfigRegistry.registerLayer("Reshape", Reshape::fromConfig);
    ConfigRegistry.registerLayer("Dropout", Dropout::fromConfig);
    ConfigRegistry.registerLayer("Activation", ActivationLayer::fromConfig);
    ConfigRegistry.registerLayer("BatchNormalization", BatchNormalization::fromConfig);
    ConfigRegistry.registerLayer("ZeroPadding2D", ZeroPadding2D::fromConfig);
    ConfigRegistry.registerLayer("Add", Add::fromConfig);
    ConfigRegistry.registerLayer("Concatenate", Concatenate::fromConfig);
    ConfigRegistry.registerLayer("Embedding", Embedding::fromConfig);
    ConfigRegistry.registerLayer("GlobalAveragePooling1D", s -> GlobalPooling1D.average());
    ConfigRegistry.registerLayer("GlobalMaxPooling1D", s -> GlobalPooling1D.max());
    for (Recurrent.Kind kind : Recurrent.Kind.values()) {
      ConfigRegistry.registerLayer(kind.typeName, s -> Recurrent.fromConfig(kind, s));
    }
    ConfigRegistry.registerLayer("Bidirectional", Bidirectional::fromConfig);
    Merge.register();
    ConfigRegistry.registerLayer("Conv1D", Conv1D::fromConfig);
    ConfigRegistry.registerLayer("DepthwiseConv2D", DepthwiseConv2D::fromConfig);
    ConfigRegistry.registerLayer("SeparableConv2D", DepthwiseConv2D::fromConfig);
    ConfigRegistry.registerLayer("Conv2DTranspose", Conv2DTranspose::fromConfig);
    ConfigRegistry.registerLayer("LayerNormalization", LayerNormalization::fromConfig);
    Reshaping.register();
    Volumetric.register();
    ConfigRegistry.registerLayer("Dot", Dot::fromConfig);
    ConfigRegistry.registerLayer("SeparableConv1D", SeparableConv1D::fromConfig);
    ConfigRegistry.registerLayer("MultiHeadAttention", MultiHeadAttention::fromConfig);
    ConfigRegistry.registerLayer("TimeDistributed", TimeDistributed::fromConfig);
  }
}
