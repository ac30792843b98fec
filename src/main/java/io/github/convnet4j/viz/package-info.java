/** Pictures: first-layer filters, feature maps, training curves (XChart, optional) and the confusion heat map, as PNG. */
package io.github.convnet4j.viz;
