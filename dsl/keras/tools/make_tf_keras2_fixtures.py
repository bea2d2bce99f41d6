#!/usr/bin/env python3
"""Rewrites Keras 3 legacy .h5 fixtures in the tf.keras 2.x dialect of the same format.

tf.keras 2 (Keras 2.x, `tf_keras`) is not installable here (no distribution for TF 2.21 in the
package mirror), so these files are constructed, not written by tf.keras itself: the same weights,
with the model_config and weight names as tf.keras 2.x writes them -- no "module" keys, dtype as a
plain string, "batch_input_shape" on InputLayer, Functional inbound_nodes as
[[[layer, node, tensor, {}], ...]], weight names with the ":0" suffix, keras_version "2.15.0".
The expected outputs are Keras 3's for the same weights (the NAME.json of the source fixture).

Usage: python dsl/keras/tools/make_tf_keras2_fixtures.py SRC_DIR OUT_DIR mlp two_inputs ...
"""
import json
import os
import shutil
import sys

import h5py
import numpy as np


def plain(obj):
    """Keras 3 serialization -> tf.keras 2: drop module/registered_name, dtype policies as strings."""
    if isinstance(obj, dict):
        if obj.get("class_name") == "DTypePolicy":
            return obj["config"]["name"]
        if obj.get("class_name") == "__keras_tensor__":
            return obj
        return {k: plain(v) for k, v in obj.items() if k not in ("module", "registered_name", "build_config",
                                                                  "quantization_config", "optional")}
    if isinstance(obj, list):
        return [plain(v) for v in obj]
    return obj


def inbound(nodes):
    out = []
    for node in nodes:
        refs = []

        def collect(a):
            if isinstance(a, list):
                for e in a:
                    collect(e)
            elif isinstance(a, dict) and a.get("class_name") == "__keras_tensor__":
                h = a["config"]["keras_history"]
                refs.append([h[0], h[1], h[2], {}])
        collect(node["args"])
        out.append(refs)
    return out


def convert(config):
    c = plain(config)
    for layer in c["config"]["layers"]:
        if layer["class_name"] == "InputLayer":
            layer["config"]["batch_input_shape"] = layer["config"].pop("batch_shape")
        if "inbound_nodes" in layer:
            layer["inbound_nodes"] = inbound(layer["inbound_nodes"])
    return c


def main(src, out, names):
    os.makedirs(out, exist_ok=True)
    for name in names:
        with h5py.File(os.path.join(src, name + ".h5"), "r") as f, \
                h5py.File(os.path.join(out, name + "_tf2.h5"), "w") as g:
            config = convert(json.loads(f.attrs["model_config"]))
            g.attrs["keras_version"] = "2.15.0"
            g.attrs["backend"] = "tensorflow"
            g.attrs["model_config"] = json.dumps(config)
            src_w = f["model_weights"]
            dst_w = g.create_group("model_weights")
            dst_w.attrs["keras_version"] = "2.15.0"
            dst_w.attrs["backend"] = "tensorflow"
            layer_names = [n.decode() if isinstance(n, bytes) else n for n in src_w.attrs["layer_names"]]
            dst_w.attrs["layer_names"] = np.array([n.encode() for n in layer_names])
            for layer in layer_names:
                names_in = [n.decode() if isinstance(n, bytes) else n for n in src_w[layer].attrs["weight_names"]]
                group = dst_w.create_group(layer)
                new_names = []
                for w in names_in:
                    # "model/layer/kernel" (Keras 3) -> "layer/kernel:0" (tf.keras 2)
                    parts = w.split("/")
                    short = "/".join(parts[1:]) if len(parts) > 2 else w
                    new = short + ":0"
                    group.create_dataset(new, data=np.asarray(src_w[layer][w]))
                    new_names.append(new.encode())
                group.attrs["weight_names"] = np.array(new_names) if new_names else np.zeros((0,), dtype="S1")
        shutil.copy(os.path.join(src, name + ".json"), os.path.join(out, name + "_tf2.json"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
