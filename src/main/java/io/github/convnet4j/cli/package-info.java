/** The {@code convnet4j} command line (picocli): train, eval, predict, bench, visualize, info. */
package io.github.convnet4j.cli;
