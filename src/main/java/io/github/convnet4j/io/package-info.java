/** Files: safetensors reading and writing (safe by construction), model files, atomic writes. */
package io.github.convnet4j.io;
