"""Writes the image fixtures of ImageDecodingTest (dsl/src/test/resources/images) with TensorFlow.

Small images (8x6) encoded as PNG and JPEG by TF, the pixels TF decodes from them (the expected values
of the Java tests), TF's bilinear resize and central crop of them, and TFRecord files in the layout of
TF's ImageNet conversion script (build_imagenet_data.py) and of TFDS. Run from the repository root:

    python dsl/tools/make_image_fixtures.py

Pixels are written as JSON next to the images: {"shape": [h, w, c], "values": [...]} (row-major).
"""
import json
import os

import numpy as np
import tensorflow as tf

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "images")


def pixels(name, array):
    array = np.asarray(array)
    values = array.reshape(-1).tolist()
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"shape": list(array.shape), "values": values}, f)


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(27)
    h, w = 6, 8
    # Smooth gradients plus a little noise: JPEG keeps them close, so the tolerance tests mean something.
    yy, xx = np.mgrid[0:h, 0:w]
    rgb = np.stack([xx * 30 + 10, yy * 40 + 20, (xx + yy) * 15 + 60], axis=-1)
    rgb = np.clip(rgb + rng.integers(-8, 9, size=rgb.shape), 0, 255).astype(np.uint8)
    gray = np.clip(xx * 25 + yy * 12 + rng.integers(-5, 6, size=(h, w)), 0, 255).astype(np.uint8)[..., None]
    rgba = np.concatenate([rgb, rng.integers(0, 256, size=(h, w, 1)).astype(np.uint8)], axis=-1)

    # PNG: lossless, so the source arrays are the expected pixels.
    write("rgb.png", tf.io.encode_png(rgb).numpy())
    write("gray.png", tf.io.encode_png(gray).numpy())
    write("rgba.png", tf.io.encode_png(rgba).numpy())
    pixels("rgb.png", rgb)
    pixels("gray.png", gray)
    pixels("rgba.png", rgba)

    # JPEG: 4:2:0 colour (TF's default) and grayscale, at quality 90; the expected pixels are TF's
    # decodes, with the exact IDCT (INTEGER_ACCURATE, libjpeg's islow) and TF's default (INTEGER_FAST).
    for name, image in (("rgb.jpg", rgb), ("gray.jpg", gray)):
        data = tf.io.encode_jpeg(image, quality=90).numpy()
        write(name, data)
        pixels(name, tf.io.decode_jpeg(data, dct_method="INTEGER_ACCURATE").numpy())
        pixels(name + ".fast", tf.io.decode_jpeg(data).numpy())

    # Decoded with a channel count other than the file's: TF's decode_image(channels=...).
    pixels("gray.png.rgb", tf.io.decode_png(tf.io.encode_png(gray), channels=3).numpy())

    # Resized as float: tf.image.resize (bilinear, half-pixel centres), up and down.
    f = tf.cast(rgb, tf.float32)
    pixels("rgb.png.resize4x5", tf.image.resize(f, [4, 5], method="bilinear").numpy())
    pixels("rgb.png.resize9x11", tf.image.resize(f, [9, 11], method="bilinear").numpy())
    # ImageNet's evaluation crop: central 87.5 % then resize (inception preprocessing).
    pixels("rgb.png.crop875resize4x4", tf.image.resize(tf.image.central_crop(f, 0.875), [4, 4]).numpy())

    # Ten images in two TFRecord layouts.
    images = [np.clip(rgb.astype(int) + 10 * i, 0, 255).astype(np.uint8) for i in range(10)]

    def b(v):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=[v]))

    def i64(v):
        return tf.train.Feature(int64_list=tf.train.Int64List(value=[v]))

    # build_imagenet_data.py's layout: JPEG, labels 1..1000 (0 is background), text and bounding boxes.
    with tf.io.TFRecordWriter(os.path.join(OUT, "imagenet-layout.tfrecord")) as writer:
        for i, image in enumerate(images):
            data = tf.io.encode_jpeg(image, quality=95).numpy()
            feature = {
                "image/height": i64(h), "image/width": i64(w), "image/colorspace": b(b"RGB"),
                "image/channels": i64(3), "image/class/label": i64(i % 5 + 1),
                "image/class/synset": b(b"n0144%04d" % i), "image/class/text": b(b"class %d" % i),
                "image/object/bbox/xmin": tf.train.Feature(float_list=tf.train.FloatList(value=[0.1])),
                "image/object/bbox/label": tf.train.Feature(int64_list=tf.train.Int64List(value=[i % 5 + 1])),
                "image/format": b(b"JPEG"), "image/filename": b(b"img_%d.JPEG" % i), "image/encoded": b(data),
            }
            writer.write(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())
            if i < 2:
                pixels("imagenet-layout.%d" % i, tf.io.decode_jpeg(data, dct_method="INTEGER_ACCURATE").numpy())
    # TFDS's layout: "image" (PNG for most image datasets) and "label" from 0.
    with tf.io.TFRecordWriter(os.path.join(OUT, "tfds-layout.tfrecord")) as writer:
        for i, image in enumerate(images):
            feature = {"image": b(tf.io.encode_png(image).numpy()), "label": i64(i % 5)}
            writer.write(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())
        pixels("tfds-layout.3", images[3])


if __name__ == "__main__":
    main()
