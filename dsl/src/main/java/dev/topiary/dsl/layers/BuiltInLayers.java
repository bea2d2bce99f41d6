package dev.topiary.dsl.layers;

import dev.topiary.dsl.layers.attention.MultiHeadAttention;
import dev.topiary.dsl.layers.convolution.Conv1D;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.convolution.Conv2DTranspose;
import dev.topiary.dsl.layers.convolution.Conv3D;
import dev.topiary.dsl.layers.convolution.Conv3DTranspose;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.convolution.SeparableConv1D;
import dev.topiary.dsl.layers.convolution.SeparableConv2D;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Dropout;
import dev.topiary.dsl.layers.core.Embedding;
import dev.topiary.dsl.layers.merging.Add;
import dev.topiary.dsl.layers.merging.Average;
import dev.topiary.dsl.layers.merging.Concatenate;
import dev.topiary.dsl.layers.merging.Dot;
import dev.topiary.dsl.layers.merging.Maximum;
import dev.topiary.dsl.layers.merging.Minimum;
import dev.topiary.dsl.layers.merging.Multiply;
import dev.topiary.dsl.layers.merging.Subtract;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.layers.normalization.LayerNormalization;
import dev.topiary.dsl.layers.pooling.AveragePooling1D;
import dev.topiary.dsl.layers.pooling.AveragePooling2D;
import dev.topiary.dsl.layers.pooling.AveragePooling3D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling1D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling2D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling3D;
import dev.topiary.dsl.layers.pooling.GlobalMaxPooling1D;
import dev.topiary.dsl.layers.pooling.GlobalMaxPooling2D;
import dev.topiary.dsl.layers.pooling.GlobalMaxPooling3D;
import dev.topiary.dsl.layers.pooling.MaxPooling1D;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.pooling.MaxPooling3D;
import dev.topiary.dsl.layers.recurrent.Bidirectional;
import dev.topiary.dsl.layers.recurrent.GRU;
import dev.topiary.dsl.layers.recurrent.LSTM;
import dev.topiary.dsl.layers.recurrent.SimpleRNN;
import dev.topiary.dsl.layers.recurrent.TimeDistributed;
import dev.topiary.dsl.layers.reshaping.Cropping1D;
import dev.topiary.dsl.layers.reshaping.Cropping2D;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Permute;
import dev.topiary.dsl.layers.reshaping.RepeatVector;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.dsl.layers.reshaping.UpSampling1D;
import dev.topiary.dsl.layers.reshaping.UpSampling2D;
import dev.topiary.dsl.layers.reshaping.ZeroPadding1D;
import dev.topiary.dsl.layers.reshaping.ZeroPadding2D;
import dev.topiary.dsl.layers.reshaping.ZeroPadding3D;
import java.util.List;

/** The built-in layer classes, one codec each: the list the config registry starts from. */
public final class BuiltInLayers {
  private BuiltInLayers() {}

  /** Every built-in layer's codec, by family. */
  public static List<LayerCodec<?>> codecs() {
    return List.of(
        Dense.CODEC, ActivationLayer.CODEC, Dropout.CODEC, Embedding.CODEC,
        Conv1D.CODEC, Conv2D.CODEC, Conv3D.CODEC, Conv2DTranspose.CODEC, Conv3DTranspose.CODEC,
        DepthwiseConv2D.CODEC, SeparableConv1D.CODEC, SeparableConv2D.CODEC,
        MaxPooling1D.CODEC, AveragePooling1D.CODEC, MaxPooling2D.CODEC, AveragePooling2D.CODEC,
        MaxPooling3D.CODEC, AveragePooling3D.CODEC,
        GlobalAveragePooling1D.CODEC, GlobalMaxPooling1D.CODEC, GlobalAveragePooling2D.CODEC,
        GlobalMaxPooling2D.CODEC, GlobalAveragePooling3D.CODEC, GlobalMaxPooling3D.CODEC,
        SimpleRNN.CODEC, LSTM.CODEC, GRU.CODEC, Bidirectional.CODEC, TimeDistributed.CODEC,
        MultiHeadAttention.CODEC,
        BatchNormalization.CODEC, LayerNormalization.CODEC,
        Flatten.CODEC, Reshape.CODEC, Permute.CODEC, RepeatVector.CODEC, Cropping1D.CODEC, Cropping2D.CODEC,
        ZeroPadding1D.CODEC, ZeroPadding2D.CODEC, ZeroPadding3D.CODEC, UpSampling1D.CODEC, UpSampling2D.CODEC,
        Add.CODEC, Multiply.CODEC, Subtract.CODEC, Average.CODEC, Maximum.CODEC, Minimum.CODEC,
        Concatenate.CODEC, Dot.CODEC);
  }
}
