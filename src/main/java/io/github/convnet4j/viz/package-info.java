/** Pictures: first-layer filters, feature maps and training curves as PNG. */
package io.github.convnet4j.viz;
