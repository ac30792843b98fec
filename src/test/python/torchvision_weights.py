#!/usr/bin/env python3
"""torchvision weights in and out of convnet4j, both ways (a manual check; the files are too big to commit).

  export MODEL FILE       torchvision.models.MODEL() (random weights, random BN statistics, eval) state_dict as
                          safetensors (num_batches_tracked included, I64 0-d, as safetensors.torch writes it), and
                          FILE.io holding an input x (2, 3, 64, 64) and torchvision's logits y
  import MODEL FILE IO    loads FILE (written by convnet4j) into torchvision with strict=True and compares the
                          logits on IO's x with IO's y

Between the two: java ... io.github.convnet4j.models.TorchvisionWeightsCheck MODEL FILE OUT (see that class).
"""
import json, struct, sys, torch, torchvision
def write(path, tensors):
    header, blobs, off = {}, [], 0
    for k, t in tensors.items():
        t = t.contiguous()
        dt = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[k] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data); off += len(data)
    text = json.dumps(header, separators=(",", ":")).encode(); text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text))); f.write(text); [f.write(b) for b in blobs]
def read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]; h = json.loads(f.read(n)); data = f.read()
    out = {}
    for k, v in h.items():
        if k == "__metadata__": continue
        b, e = v["data_offsets"]; assert v["dtype"] == "F32"
        out[k] = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).reshape(v["shape"])
    return out
if sys.argv[1] == "export":
    torch.manual_seed(0)
    m = getattr(torchvision.models, sys.argv[2])()
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.2, 0.2); mod.running_var.uniform_(0.5, 1.5); mod.num_batches_tracked.fill_(7)
    m.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad(): y = m(x)
    sd = dict(m.state_dict()); write(sys.argv[3], sd)
    write(sys.argv[3] + ".io", {"x": x, "y": y})
    print("exported", len(sd), "tensors")
else:  # import our saved file into torchvision, strict (GoogLeNet as we build it: without the auxiliary classifiers)
    kwargs = {"aux_logits": False, "init_weights": False} if sys.argv[2] == "googlenet" else {}
    m = getattr(torchvision.models, sys.argv[2])(**kwargs)
    sd = read(sys.argv[3])
    print(m.load_state_dict(sd, strict=True))
    m.eval()
    x = read(sys.argv[4])["x"]
    with torch.no_grad(): y = m(x)
    ref = read(sys.argv[4])["y"]
    print("torchvision on our saved weights vs original logits: max abs diff", float((y - ref).abs().max()))
