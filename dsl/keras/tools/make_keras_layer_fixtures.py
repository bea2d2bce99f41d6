#!/usr/bin/env python3
"""Makes one small Keras 3 model per layer type that Topiary maps, saved by Keras itself.

Each model NAME is written as NAME.keras and NAME.h5 (legacy HDF5) with NAME.json holding
`inputs` (3 random examples per model input, in input order) and Keras' own `outputs` for them,
so that the Java tests compare Topiary's predictions with Keras' without needing Python.
Weights are random (not trained): BatchNormalization statistics are set to non-trivial values.

Usage: python dsl/keras/tools/make_keras_layer_fixtures.py (in a venv with tensorflow-cpu 2.21 and keras 3.15) OUT_DIR [NAME ...]
(with names: only those models, added to OUT_DIR/layers-index.json)
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers as L  # noqa: E402

rng = np.random.default_rng(7)


def seq(name, shape, *ls, ints=None):
    inp = keras.Input(shape=shape, name="x")
    m = keras.Sequential([inp, *ls], name=name)
    return m, [ints] if ints else [None]


def func(name, inputs, outputs):
    return keras.Model(inputs, outputs, name=name), [None] * len(inputs)


def models():
    yield seq("l_dense3d", (4, 5), L.Dense(3, activation="tanh"), L.Dense(2, use_bias=False))
    yield seq("l_activation", (6,), L.Dense(4), L.Activation("sigmoid"), L.Dense(3), L.Activation("softmax"))
    # ReLU: plain, ReLU6 (MobileNet), every option at once, leaky, thresholded: one output each from one
    # Dense, so every branch of the formula sees values of both signs.
    r = keras.Input((6,), name="x")
    h = L.Dense(8, bias_initializer="random_normal")(r)
    yield func("l_relu", [r], [L.ReLU()(h), L.ReLU(max_value=6.0)(L.Dense(8)(h)),
                               L.ReLU(max_value=0.8, negative_slope=0.1, threshold=0.3)(h),
                               L.ReLU(negative_slope=0.2)(h), L.ReLU(threshold=0.5)(h)])
    # Activation layers: Softmax over the last and a middle axis, LeakyReLU (Keras 3's negative_slope),
    # ELU with alpha 1 and another, PReLU per element and shared over the spatial axes (random alphas).
    a = keras.Input((3, 5), name="x")
    yield func("l_activation_layers", [a], [L.Softmax()(a), L.Softmax(axis=1)(a), L.LeakyReLU()(a),
                                            L.LeakyReLU(negative_slope=0.05)(a), L.ELU()(a), L.ELU(alpha=0.5)(a),
                                            L.PReLU(alpha_initializer="random_normal")(a)])
    yield seq("l_prelu2d", (4, 4, 3), L.PReLU(alpha_initializer="random_normal", shared_axes=[1, 2]), L.Flatten())
    # Preprocessing: Rescaling with scalars and per channel, Normalization given (ConvNeXt's ImageNet form)
    # and adapted (EfficientNet's: mean, variance and count variables), and inverted.
    p = keras.Input((4, 4, 3), name="x")
    adapted = L.Normalization(axis=-1)
    adapted.adapt(np.random.default_rng(11).normal(0.5, 2.0, (20, 4, 4, 3)).astype(np.float32))  # own stream: the others stay as made
    yield func("l_preprocessing", [p], [L.Rescaling(1.0 / 127.5, offset=-1)(p),
                                        L.Rescaling([0.5, 2.0, -1.0], offset=[0.1, 0.0, -0.2])(p),
                                        L.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.052, 0.050, 0.051])(p),
                                        adapted(p),
                                        L.Normalization(mean=0.3, variance=4.0, invert=True)(p)])
    # Identity at inference: the dropouts and noises; ConvNeXt's LayerScale (random gamma).
    from keras.src.applications.convnext import LayerScale
    d = keras.Input((4, 4, 3), name="x")
    h = L.SpatialDropout2D(0.3)(L.GaussianNoise(0.2)(L.GaussianDropout(0.2)(d)))
    h = LayerScale(1e-6, 3)(h)
    h = L.Reshape((16, 3))(h)
    h = L.SpatialDropout1D(0.2)(h)
    yield func("l_regularization", [d], [h, L.Flatten()(L.SpatialDropout3D(0.1)(L.Reshape((2, 2, 4, 3))(d)))])
    # Keras 3's activation functions MobileNetV3, EfficientNet and transformers use, by name (inputs wide
    # enough to reach every piece of hard_sigmoid's and hard_silu's ramps).
    f = keras.Input((6,), name="x")
    g = L.Dense(8, bias_initializer="random_normal", kernel_initializer=keras.initializers.RandomNormal(0, 2.0))(f)
    yield func("l_activation_functions", [f], [L.Activation(n)(g) for n in
                                               ("hard_sigmoid", "hard_silu", "hard_swish", "leaky_relu", "relu6",
                                                "silu", "gelu")] + [L.Dense(3, activation="hard_swish")(g)])
    # What MobileNet, Xception and InceptionV3 need: convolutions without bias, BatchNormalization without
    # scale (gamma) or center (beta); squeeze-and-excitation (EfficientNet, MobileNetV3): global pooling with
    # keepdims and a broadcasting Multiply.
    yield seq("l_no_bias", (8, 8, 3), L.DepthwiseConv2D(3, use_bias=False, padding="same"), L.BatchNormalization(scale=False),
              L.SeparableConv2D(4, 3, use_bias=False), L.BatchNormalization(center=False),
              L.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False, activation="relu"), L.Flatten())
    e = keras.Input((5, 5, 4), name="x")
    squeezed = L.GlobalAveragePooling2D(keepdims=True)(e)
    excited = L.Dense(4, activation="sigmoid")(L.Dense(2, activation="relu")(squeezed))
    se = L.Multiply()([e, excited])
    seq_in = L.Reshape((25, 4))(e)
    yield func("l_squeeze_excite", [e], [L.Flatten()(se), L.Flatten()(L.GlobalMaxPooling2D(keepdims=True)(e)),
                                         L.Flatten()(L.GlobalAveragePooling1D(keepdims=True)(seq_in)),
                                         L.Flatten()(L.Add()([seq_in, L.GlobalMaxPooling1D(keepdims=True)(seq_in)]))])
    # Keras Applications' own pieces: InceptionResNetV2's CustomScaleLayer (shortcut + scale * residual) and
    # EfficientNet's stochastic depth (Dropout with noise_shape (None, 1, 1, 1): the identity at inference).
    from keras.src.applications.inception_resnet_v2 import CustomScaleLayer
    c = keras.Input((4, 4, 3), name="x")
    residual = L.Conv2D(3, 1)(c)
    scaled = CustomScaleLayer(0.17)([c, residual])
    yield func("l_applications_parts", [c], [L.Flatten()(scaled),
                                             L.Flatten()(L.Dropout(0.2, noise_shape=(None, 1, 1, 1))(residual))])
    # Keras 3 operation nodes (expressions on Keras tensors in a functional model): MobileNetV3's hard sigmoid
    # relu6(x + 3) * (1 / 6), ConvNeXt's residual x + y, a constant on the left, division, and keras.ops activations.
    from keras import ops
    o = keras.Input((6,), name="x")
    h = L.Dense(6, bias_initializer="random_normal", kernel_initializer=keras.initializers.RandomNormal(0, 2.0))(o)
    yield func("l_operations", [o], [L.ReLU(6.0)(h + 3.0) * (1.0 / 6.0), h + o, 2.0 - h, h / 4.0, 0.5 * h - 1.0,
                                     h * o, ops.relu6(h), ops.hard_sigmoid(h), ops.hard_silu(h), ops.sigmoid(h),
                                     ops.silu(h), ops.gelu(h, approximate=False), ops.leaky_relu(h, 0.3),
                                     ops.maximum(h, o)])
    # Conv2D with groups: one channel per group (ConvNeXt's 7x7, here with 2 filters per channel, strides and no
    # bias) and general groups (2 groups of 2 channels, dilated, same padding).
    yield seq("l_grouped_conv", (7, 7, 4), L.Conv2D(8, 3, groups=4, strides=2, padding="same", use_bias=False),
              L.Conv2D(6, 2, groups=2, dilation_rate=2, padding="same", activation="relu"),
              L.Conv2D(4, (3, 1), groups=2), L.Flatten())
    # use_bias=False on the other convolutions: 1-D, separable 1-D, transposed 2-D, 3-D and transposed 3-D.
    t = keras.Input((6, 3), name="steps")
    i = keras.Input((4, 4, 2), name="image")
    v = keras.Input((3, 3, 3, 2), name="volume")
    yield func("l_no_bias_convs", [t, i, v], [
        L.Flatten()(L.SeparableConv1D(2, 3, padding="same", use_bias=False)(L.Conv1D(4, 3, use_bias=False)(t))),
        L.Flatten()(L.Conv2DTranspose(3, 3, strides=2, padding="same", use_bias=False)(i)),
        L.Flatten()(L.Conv3DTranspose(2, 2, strides=2, use_bias=False)(L.Conv3D(2, 2, use_bias=False)(v)))])
    yield seq("l_conv2d", (9, 9, 2), L.Conv2D(3, (3, 2), strides=(2, 1), padding="same", activation="relu"),
              L.Conv2D(4, 3, dilation_rate=2, use_bias=False), L.Flatten())
    yield seq("l_conv1d", (10, 3), L.Conv1D(4, 3, strides=2, padding="valid", activation="elu"),
              L.Conv1D(2, 2, dilation_rate=2, padding="same"), L.GlobalMaxPooling1D())
    yield seq("l_conv3d", (6, 6, 6, 2), L.Conv3D(3, 3, strides=1, padding="same", activation="relu"),
              L.MaxPooling3D(2), L.AveragePooling3D(1), L.GlobalAveragePooling3D())
    yield seq("l_conv2d_transpose", (5, 5, 2), L.Conv2DTranspose(3, 3, strides=2, padding="same"),
              L.GlobalMaxPooling2D())
    yield seq("l_conv3d_transpose", (3, 3, 3, 2), L.Conv3DTranspose(2, 2, strides=2, padding="valid"),
              L.GlobalMaxPooling3D())
    yield seq("l_depthwise", (8, 8, 3), L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu"),
              L.GlobalAveragePooling2D())
    yield seq("l_separable2d", (8, 8, 3), L.SeparableConv2D(4, 3, strides=1, padding="valid"), L.Flatten())
    yield seq("l_separable1d", (9, 3), L.SeparableConv1D(4, 3, padding="same"), L.Flatten())
    yield seq("l_pool2d", (8, 8, 2), L.MaxPooling2D((2, 2), strides=(2, 2)), L.AveragePooling2D(2, padding="same"),
              L.Flatten())
    yield seq("l_pool1d", (12, 2), L.MaxPooling1D(2), L.AveragePooling1D(3), L.Flatten())
    yield seq("l_simple_rnn", (5, 3), L.SimpleRNN(4, return_sequences=True), L.SimpleRNN(3, go_backwards=True))
    yield seq("l_gru", (6, 3), L.GRU(4, return_sequences=True), L.GRU(3))
    yield seq("l_lstm_seq", (6, 3), L.LSTM(4, return_sequences=True, go_backwards=True), L.LSTM(2))
    yield seq("l_bidirectional", (5, 3), L.Bidirectional(L.LSTM(3, return_sequences=True)),
              L.Bidirectional(L.GRU(2)))
    yield seq("l_time_distributed", (4, 5), L.TimeDistributed(L.Dense(3, activation="relu")), L.Flatten())
    yield seq("l_embedding_mask", (7,), L.Embedding(20, 4, mask_zero=True), L.LSTM(3), ints=20)
    yield seq("l_layer_norm", (4, 6), L.LayerNormalization(epsilon=1e-3), L.Flatten())
    yield seq("l_batch_norm", (5, 5, 3), L.BatchNormalization(momentum=0.9, epsilon=1e-2), L.Flatten())
    yield seq("l_reshaping", (4, 6, 2), L.ZeroPadding2D(((1, 0), (2, 1))), L.Cropping2D(((0, 1), (1, 1))),
              L.UpSampling2D((2, 1)), L.Permute((2, 1, 3)), L.Reshape((-1, 2)), L.Cropping1D((1, 2)),
              L.ZeroPadding1D((2, 1)), L.UpSampling1D(2), L.Flatten(), L.RepeatVector(2))
    yield seq("l_zero_padding3d", (2, 2, 2, 1), L.ZeroPadding3D(1), L.Flatten())
    x = keras.Input((6,), name="a")
    y = keras.Input((6,), name="b")
    yield func("l_merging", [x, y], [L.Multiply()([x, y]), L.Subtract()([x, y]), L.Average()([x, y]),
                                     L.Maximum()([x, y]), L.Minimum()([x, y]), L.Dot(axes=1)([x, y]),
                                     L.Dot(axes=1, normalize=True)([x, y])])
    q = keras.Input((4, 6), name="query")
    v = keras.Input((5, 6), name="value")
    yield func("l_attention", [q, v], L.MultiHeadAttention(num_heads=2, key_dim=3)(q, v))
    # A shared layer: one Dense called on two inputs (one set of weights, two nodes).
    s1 = keras.Input((5,), name="left")
    s2 = keras.Input((5,), name="right")
    shared = L.Dense(4, activation="tanh", name="shared")
    yield func("l_shared", [s1, s2], L.Concatenate()([shared(s1), shared(s2)]))
    # A nested model: a Sequential used as a layer of a Functional model with two outputs.
    inner = keras.Sequential([keras.Input((6,)), L.Dense(5, activation="relu"), L.Dense(4)], name="inner")
    a = keras.Input((6,), name="features")
    h = inner(a)
    yield func("l_nested", [a], [L.Dense(2, name="head_a")(h), L.Dense(3, activation="softmax", name="head_b")(h)])
    # Luong and Bahdanau attention (GNMT-style decoders), with and without a key; AdditiveAttention's
    # scale vector set to random values below. Attention's use_scale and score_mode="concat" add scalar
    # (shape ()) variables, which Topiary's Keras weight reader does not take yet: not in this fixture.
    q = keras.Input((3, 4), name="query")
    v = keras.Input((5, 4), name="value")
    k = keras.Input((5, 4), name="key")
    yield func("l_luong_attention", [q, v, k], [L.Attention()([q, v]), L.Attention()([q, v, k]),
                                               L.AdditiveAttention()([q, v]),
                                               L.AdditiveAttention(use_scale=False)([q, v, k])])
    # Keras 3's masks through a text transformer block: a mask_zero Embedding's mask on padded ids (the
    # last 0, 3 and 5 of 8 steps) passes Dense, LayerNormalization and BatchNormalization, masks
    # MultiHeadAttention's and Attention's softmax, merges (OR; Multiply, Maximum, Minimum change values),
    # joins along features (OR) and steps (joined), and is read by GlobalAveragePooling1D, not by
    # GlobalMaxPooling1D. MultiHeadAttention's input feeds nothing else: at run time Keras 3.15's MHA clears
    # its inputs' masks in place, so layers run after it that read masks from tensors (merges, Attention)
    # would see none while the masks recorded in the file keep them (a Keras quirk Topiary does not copy).
    ids = keras.Input((8,), name="ids")
    e = L.Embedding(10, 6, mask_zero=True)(ids)
    q = L.Dense(6, activation="tanh")(e)
    h = L.Dense(6, activation="tanh")(e)
    a = L.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.1)(q, q)
    n = L.LayerNormalization()(L.Add()([h, a]))
    g = L.Multiply()([n, L.Dense(6, activation="sigmoid")(n)])
    c = L.Concatenate()([L.Maximum()([g, n]), L.Minimum()([g, a])])
    b = L.BatchNormalization()(c)
    att = L.Attention()([h, L.Dense(6)(b)])
    gap = L.GlobalAveragePooling1D()
    yield func("l_masks", [ids], [gap(b), L.GlobalMaxPooling1D()(c), att, gap(L.AdditiveAttention()([h, e])),
                                  gap(L.Concatenate(axis=1)([h, L.Dense(6)(n)])), gap(L.Average()([h, a]))])[0], [("pad", 10)]
    # A decoder's self-attention (use_causal_mask, a call argument Keras records in the node), and causal
    # cross-attention from 5 query steps to 7 value steps (Keras' row >= column mask).
    t = keras.Input((5, 6), name="x")
    s = keras.Input((7, 6), name="memory")
    yield func("l_causal_attention", [t, s], [L.MultiHeadAttention(num_heads=2, key_dim=3)(t, t, use_causal_mask=True),
                                             L.MultiHeadAttention(num_heads=1, key_dim=4)(t, s, use_causal_mask=True)])


def main(out, only=()):
    os.makedirs(out, exist_ok=True)
    names = []
    for model, ints in models():
        if only and model.name not in only:
            continue
        for w in model.weights:
            if "moving_variance" in w.path:
                w.assign(rng.uniform(0.5, 2.0, w.shape))
            elif "moving_mean" in w.path or "gamma" in w.path or "beta" in w.path:
                w.assign(rng.normal(0, 0.5, w.shape))
            elif "layer_scale" in w.path or "p_re_lu" in w.path:
                w.assign(rng.normal(0, 0.5, w.shape))
            elif w.path.endswith("/scale") or w.path.endswith("/concat_score_weight"):
                w.assign(rng.normal(0.3, 0.5, w.shape))
            elif "bias" in w.path:
                w.assign(rng.normal(0, 0.1, w.shape))
        inputs = []
        for tensor, vocab in zip(model.inputs, ints):
            shape = (3,) + tuple(tensor.shape[1:])
            if isinstance(vocab, tuple):  # ("pad", V): ids 1..V-1, then the last 0, 3, 5... steps padding (0)
                x = rng.integers(1, vocab[1], shape)
                for i, pad in enumerate((0, 3, 5)[:shape[0]]):
                    x[i, shape[1] - pad:] = 0
                inputs.append(x.astype(np.float32))
            elif vocab:
                inputs.append(rng.integers(0, vocab, shape).astype(np.float32))
            else:
                inputs.append(rng.normal(0, 1, shape).astype(np.float32))
        outputs = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        model.save(os.path.join(out, model.name + ".keras"))
        model.save(os.path.join(out, model.name + ".h5"))
        with open(os.path.join(out, model.name + ".json"), "w") as f:
            json.dump({"name": model.name, "inputs": [i.tolist() for i in inputs],
                       "outputs": [np.asarray(o).tolist() for o in outputs],
                       "input_names": [t.name for t in model.inputs],
                       "layers": [type(layer).__name__ for layer in model.layers]}, f)
        names.append(model.name)
    write_index(os.path.join(out, "layers-index.json"), names, only)


def write_index(index, names, only):
    """The index of the models written: with only some rewritten (only), the others it listed stay first."""
    if only and os.path.exists(index):
        with open(index) as f:
            names = [n for n in json.load(f)["models"] if n not in names] + names
    with open(index, "w") as f:
        json.dump({"models": names, "keras_version": keras.__version__}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], tuple(sys.argv[2:]))
