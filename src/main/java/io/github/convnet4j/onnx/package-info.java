/** ONNX models in and out, over the OnnxMl protobuf classes of onnx-protobuf: export (OnnxExport, OnnxTestFolder). */
package io.github.convnet4j.onnx;
