/** Benchmarks: tools that print figures with the command that produced them (never tests). */
package io.github.convnet4j.bench;
