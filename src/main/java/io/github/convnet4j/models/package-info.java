/** Ready-made networks: the book's SimpleConvNet, LeNet-5 (classic and modern) and AlexNet. */
package io.github.convnet4j.models;
