package dev.topiary.dsl.layers;

import dev.topiary.dsl.layers.activations.ELU;
import dev.topiary.dsl.layers.activations.LeakyReLU;
import dev.topiary.dsl.layers.activations.PReLU;
import dev.topiary.dsl.layers.activations.ReLU;
import dev.topiary.dsl.layers.activations.Softmax;
import dev.topiary.dsl.layers.attention.AdditiveAttention;
import dev.topiary.dsl.layers.attention.Attention;
import dev.topiary.dsl.layers.attention.MultiHeadAttention;
import dev.topiary.dsl.layers.convolution.Conv1D;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.convolution.Conv2DTranspose;
import dev.topiary.dsl.layers.convolution.Conv3D;
import dev.topiary.dsl.layers.convolution.Conv3DTranspose;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.convolution.GroupedConv2D;
import dev.topiary.dsl.layers.convolution.SeparableConv1D;
import dev.topiary.dsl.layers.convolution.SeparableConv2D;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Dropout;
import dev.topiary.dsl.layers.core.Embedding;
import dev.topiary.dsl.layers.core.GaussianDropout;
import dev.topiary.dsl.layers.core.GaussianNoise;
import dev.topiary.dsl.layers.core.LayerScale;
import dev.topiary.dsl.layers.core.SpatialDropout1D;
import dev.topiary.dsl.layers.core.SpatialDropout2D;
import dev.topiary.dsl.layers.core.SpatialDropout3D;
import dev.topiary.dsl.layers.merging.Add;
import dev.topiary.dsl.layers.merging.Average;
import dev.topiary.dsl.layers.merging.Concatenate;
import dev.topiary.dsl.layers.merging.CustomScaleLayer;
import dev.topiary.dsl.layers.merging.Dot;
import dev.topiary.dsl.layers.merging.Maximum;
import dev.topiary.dsl.layers.merging.Minimum;
import dev.topiary.dsl.layers.merging.Multiply;
import dev.topiary.dsl.layers.merging.Subtract;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.layers.normalization.LayerNormalization;
import dev.topiary.dsl.layers.pooling.AveragePooling1D;
import dev.topiary.dsl.layers.preprocessing.Normalization;
import dev.topiary.dsl.layers.preprocessing.Rescaling;
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
  public static List<LayerType<?>> codecs() {
    return List.of(
        Dense.TYPE, ActivationLayer.TYPE, Dropout.TYPE, Embedding.TYPE, LayerScale.TYPE,
        ReLU.TYPE, Softmax.TYPE, LeakyReLU.TYPE, ELU.TYPE, PReLU.TYPE,
        SpatialDropout1D.TYPE, SpatialDropout2D.TYPE, SpatialDropout3D.TYPE, GaussianNoise.TYPE, GaussianDropout.TYPE,
        Rescaling.TYPE, Normalization.TYPE,
        Conv1D.TYPE, Conv2D.TYPE, GroupedConv2D.TYPE, Conv3D.TYPE, Conv2DTranspose.TYPE, Conv3DTranspose.TYPE,
        DepthwiseConv2D.TYPE, SeparableConv1D.TYPE, SeparableConv2D.TYPE,
        MaxPooling1D.TYPE, AveragePooling1D.TYPE, MaxPooling2D.TYPE, AveragePooling2D.TYPE,
        MaxPooling3D.TYPE, AveragePooling3D.TYPE,
        GlobalAveragePooling1D.TYPE, GlobalMaxPooling1D.TYPE, GlobalAveragePooling2D.TYPE,
        GlobalMaxPooling2D.TYPE, GlobalAveragePooling3D.TYPE, GlobalMaxPooling3D.TYPE,
        SimpleRNN.TYPE, LSTM.TYPE, GRU.TYPE, Bidirectional.TYPE, TimeDistributed.TYPE,
        MultiHeadAttention.TYPE, Attention.TYPE, AdditiveAttention.TYPE,
        BatchNormalization.TYPE, LayerNormalization.TYPE,
        Flatten.TYPE, Reshape.TYPE, Permute.TYPE, RepeatVector.TYPE, Cropping1D.TYPE, Cropping2D.TYPE,
        ZeroPadding1D.TYPE, ZeroPadding2D.TYPE, ZeroPadding3D.TYPE, UpSampling1D.TYPE, UpSampling2D.TYPE,
        Add.TYPE, Multiply.TYPE, Subtract.TYPE, Average.TYPE, Maximum.TYPE, Minimum.TYPE,
        Concatenate.TYPE, Dot.TYPE, CustomScaleLayer.TYPE);
  }
}
