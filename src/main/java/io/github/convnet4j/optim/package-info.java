/** Optimizers: SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam, with L2 weight decay, run on the backend. */
package io.github.convnet4j.optim;
