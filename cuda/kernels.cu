// convnet4j's own CUDA kernels: what cuDNN and cuBLAS do not provide. Compiled to PTX
// (see build-ptx.sh) and loaded by io.github.convnet4j.cuda.Kernels through the driver API.
// Every kernel mirrors a method of the CPU backend; CudaBackendParityTest checks each pair.
// Element counts are int (a tensor never exceeds 2^31 - 1 floats, see Shape), but loop indices are
// size_t: an int index one grid stride past a count near 2^31 would overflow before the loop test.

#include <stdint.h>

#define BLOCK 256

__device__ __forceinline__ size_t global_index() { return (size_t) blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ size_t grid_stride() { return (size_t) blockDim.x * gridDim.x; }

// ---- element-wise --------------------------------------------------------------------------

extern "C" __global__ void fill(float* x, float value, int n) {
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) x[i] = value;
}

extern "C" __global__ void multiply(const float* a, const float* b, float* out, int n) {
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) out[i] = a[i] * b[i];
}

extern "C" __global__ void add_row_vector(float* m, const float* row, int rows, int cols) {
    int n = rows * cols;
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) m[i] += row[(int) i % cols]; // i < n fits an int: 32-bit modulo
}

// One thread per column, rows summed in order: deterministic.
extern "C" __global__ void sum_rows(const float* m, float* out, int rows, int cols) {
    for (size_t j = global_index(); j < (size_t) cols; j += grid_stride()) {
        float s = 0.f;
        for (int i = 0; i < rows; i++) s += m[(size_t) i * cols + j];
        out[j] = s;
    }
}

// ---- activations that cuDNN lacks (kind: 1 = leaky ReLU, 4 = softplus, as in Activation) ----

extern "C" __global__ void leaky_relu_forward(const float* x, float* y, float slope, int n) {
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) y[i] = x[i] > 0.f ? x[i] : slope * x[i];
}

extern "C" __global__ void leaky_relu_backward(const float* x, const float* dy, float* dx, float slope, int n) {
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) dx[i] = x[i] > 0.f ? dy[i] : slope * dy[i];
}

extern "C" __global__ void softplus_forward(const float* x, float* y, int n) {
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) {
        float v = x[i];
        y[i] = fmaxf(v, 0.f) + log1pf(expf(-fabsf(v)));
    }
}

extern "C" __global__ void softplus_backward(const float* x, const float* dy, float* dx, int n) {
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) dx[i] = dy[i] / (1.f + expf(-x[i]));
}

// ---- PReLU: slope per channel (channels == 1: one shared slope) ------------------------------

extern "C" __global__ void prelu_forward(const float* x, const float* slope, float* y, int n, int channels, int plane) {
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) {
        float a = slope[channels == 1 ? 0 : ((int) i / plane) % channels];
        y[i] = x[i] > 0.f ? x[i] : a * x[i];
    }
}

extern "C" __global__ void prelu_backward_data(const float* x, const float* slope, const float* dy, float* dx,
                                               int n, int channels, int plane) {
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) {
        float a = slope[channels == 1 ? 0 : ((int) i / plane) % channels];
        dx[i] = x[i] > 0.f ? dy[i] : a * dy[i];
    }
}

// One block per channel; a fixed-order tree reduction, so the result is deterministic.
extern "C" __global__ void prelu_backward_slope(const float* x, const float* dy, float* dslope,
                                                int n, int channels, int plane) {
    __shared__ double partial[BLOCK];
    int ch = blockIdx.x;
    int per_item = (channels == 1 ? 1 : channels) * plane;
    double s = 0.0;
    for (size_t i = threadIdx.x; i < (size_t) n; i += blockDim.x) {
        int c = channels == 1 ? 0 : ((int) i % per_item) / plane;
        if (c == ch && x[i] <= 0.f) s += (double) dy[i] * x[i];
    }
    partial[threadIdx.x] = s;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
        __syncthreads();
    }
    if (threadIdx.x == 0) dslope[ch] = (float) partial[0];
}

// ---- reductions ----------------------------------------------------------------------------

// out[0] = scale * sum(values): one block, fixed order, double accumulation.
extern "C" __global__ void sum_scaled(const float* values, float* out, int n, float scale) {
    __shared__ double partial[BLOCK];
    double s = 0.0;
    for (size_t i = threadIdx.x; i < (size_t) n; i += blockDim.x) s += values[i];
    partial[threadIdx.x] = s;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[0] = (float) (partial[0] * scale);
}

extern "C" __global__ void sum_of_squares(const float* x, double* out, int n) {
    __shared__ double partial[BLOCK];
    double s = 0.0;
    for (size_t i = threadIdx.x; i < (size_t) n; i += blockDim.x) s += (double) x[i] * x[i];
    partial[threadIdx.x] = s;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[0] = partial[0];
}

// ---- losses --------------------------------------------------------------------------------

// A label that is not a class index is recorded in *bad_row (the first one by atomicMin);
// the backend checks it at the next synchronising call and throws.
__device__ __forceinline__ int checked_label(const float* labels, int row, int classes, int* bad_row) {
    float v = labels[row];
    int label = (int) v;
    if ((float) label != v || label < 0 || label >= classes) {
        atomicMin(bad_row, row);
        return -1;
    }
    return label;
}

// One thread per row: probabilities and -log softmax[label] from the log-sum-exp.
extern "C" __global__ void softmax_cross_entropy(const float* logits, const float* labels, float* probs,
                                                 float* row_loss, int n, int classes, int* bad_row) {
    for (size_t r = global_index(); r < (size_t) n; r += grid_stride()) {
        const float* z = logits + (size_t) r * classes;
        float max = -INFINITY;
        for (int j = 0; j < classes; j++) max = fmaxf(max, z[j]);
        double sum = 0.0;
        for (int j = 0; j < classes; j++) sum += exp((double) (z[j] - max));
        double log_sum = log(sum);
        for (int j = 0; j < classes; j++) probs[(size_t) r * classes + j] = (float) exp(z[j] - max - log_sum);
        int label = checked_label(labels, (int) r, classes, bad_row);
        row_loss[r] = label < 0 ? 0.f : (float) (log_sum - (z[label] - max));
    }
}

extern "C" __global__ void softmax_cross_entropy_backward(const float* probs, const float* labels, float* dx,
                                                          int n, int classes, int* bad_row) {
    int total = n * classes;
    float inv = 1.f / n;
    for (size_t i = global_index(); i < (size_t) total; i += grid_stride()) {
        int r = (int) i / classes;
        int label = checked_label(labels, r, classes, bad_row);
        dx[i] = (probs[i] - ((int) i % classes == label ? 1.f : 0.f)) * inv;
    }
}

extern "C" __global__ void squared_difference(const float* y, const float* t, float* out, int n) {
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) {
        float d = y[i] - t[i];
        out[i] = d * d;
    }
}

extern "C" __global__ void mse_backward(const float* y, const float* t, float* dx, int n, float inv_batch) {
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) dx[i] = (y[i] - t[i]) * inv_batch;
}

extern "C" __global__ void count_correct(const float* scores, const float* labels, int* correct,
                                         int n, int classes, int* bad_row) {
    for (size_t r = global_index(); r < (size_t) n; r += grid_stride()) {
        const float* s = scores + (size_t) r * classes;
        int best = 0;
        for (int j = 1; j < classes; j++) if (s[j] > s[best]) best = j;
        if (best == checked_label(labels, (int) r, classes, bad_row)) atomicAdd(correct, 1);
    }
}

// ---- dropout: the same splitmix64 hash as DropoutHash.java ------------------------------------

extern "C" __global__ void dropout_mask(float* mask, int n, float ratio, unsigned long long seed) {
    float keep_scale = 1.f / (1.f - ratio);
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) {
        unsigned long long z = seed + ((unsigned long long) i + 1ULL) * 0x9E3779B97F4A7C15ULL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        float u = (float) (z >> 40) * 5.9604644775390625e-08f; // 2^-24
        mask[i] = u < ratio ? 0.f : keep_scale;
    }
}

// ---- batch norm with one value per channel (N·H·W = 1), which cuDNN cannot do -----------------

// As the CPU backend: the batch variance of one value is 0 and the running variance takes it
// biased, since the unbiased factor m/(m - 1) is undefined for m = 1 (cuDNN's gives NaN).
extern "C" __global__ void batch_norm_training_single(const float* x, const float* gamma, const float* beta, float* y,
                                                      float* running_mean, float* running_var, float* saved_mean,
                                                      float* saved_inv_std, int channels, double momentum, double eps) {
    for (size_t c = global_index(); c < (size_t) channels; c += grid_stride()) {
        double mean = x[c];
        double inv_std = 1.0 / sqrt(eps);
        y[c] = (float) ((x[c] - mean) * inv_std * gamma[c] + beta[c]);
        saved_mean[c] = (float) mean;
        saved_inv_std[c] = (float) inv_std;
        running_mean[c] = (float) ((1.0 - momentum) * running_mean[c] + momentum * mean);
        running_var[c] = (float) ((1.0 - momentum) * running_var[c]);
    }
}

// The gradient of the above: x-hat is 0, so dx = 0 and dgamma = dy * x-hat = 0; dbeta = dy.
extern "C" __global__ void batch_norm_backward_single(const float* x, const float* dy, const float* saved_mean,
                                                      const float* saved_inv_std, float* dx, float* dgamma,
                                                      float* dbeta, int channels) {
    for (size_t c = global_index(); c < (size_t) channels; c += grid_stride()) {
        dx[c] = 0.f;
        dgamma[c] = (float) ((double) dy[c] * (x[c] - saved_mean[c]) * saved_inv_std[c]);
        dbeta[c] = dy[c];
    }
}

// ---- optimizer updates (weight decay: g + wd * w) --------------------------------------------

extern "C" __global__ void sgd_step(float* w, const float* g, float lr, float wd, int n) {
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) w[i] -= lr * (g[i] + wd * w[i]);
}

extern "C" __global__ void momentum_step(float* w, const float* g, float* v, float lr, float mu, float wd, int n) {
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) {
        v[i] = mu * v[i] - lr * (g[i] + wd * w[i]);
        w[i] += v[i];
    }
}

extern "C" __global__ void nesterov_step(float* w, const float* g, float* v, float lr, float mu, float wd, int n) {
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) {
        float grad = g[i] + wd * w[i];
        v[i] = mu * v[i] - lr * grad;
        w[i] += mu * mu * v[i] - (1.f + mu) * lr * grad;
    }
}

extern "C" __global__ void adagrad_step(float* w, const float* g, float* h, float lr, float wd, float eps, int n) {
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) {
        float grad = g[i] + wd * w[i];
        h[i] += grad * grad;
        w[i] -= lr * grad / (sqrtf(h[i]) + eps);
    }
}

extern "C" __global__ void rmsprop_step(float* w, const float* g, float* h, float lr, float rho, float wd, float eps,
                                        int n) {
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) {
        float grad = g[i] + wd * w[i];
        h[i] = rho * h[i] + (1.f - rho) * grad * grad;
        w[i] -= lr * grad / (sqrtf(h[i]) + eps);
    }
}

extern "C" __global__ void adam_step(float* w, const float* g, float* m, float* v, float lr_t, float b1, float b2,
                                     float wd, float eps, int n) {
    for (size_t i = global_index(); i < (size_t) n; i += grid_stride()) {
        float grad = g[i] + wd * w[i];
        m[i] += (1.f - b1) * (grad - m[i]);
        v[i] += (1.f - b2) * (grad * grad - v[i]);
        w[i] -= lr_t * m[i] / (sqrtf(v[i]) + eps);
    }
}

// ---- adaptive average pooling (PyTorch's bins), and pooling windows that hang over the edge ------
// Backward passes gather: each input element sums what reaches it, in a fixed order, so the result
// is deterministic without atomics.

__device__ __forceinline__ int bin_start(int i, int in, int out) { return (int) (((long long) i * in) / out); }
__device__ __forceinline__ int bin_end(int i, int in, int out) { return (int) (((long long) (i + 1) * in + out - 1) / out); }

extern "C" __global__ void adaptive_avg_pool_forward(const float* x, float* y, int planes, int h, int w, int oh, int ow) {
    size_t n = (size_t) planes * oh * ow;
    for (size_t i = global_index(); i < n; i += grid_stride()) {
        int ox = (int) (i % ow);
        int oy = (int) ((i / ow) % oh);
        size_t p = i / ((size_t) ow * oh);
        int y0 = bin_start(oy, h, oh), y1 = bin_end(oy, h, oh);
        int x0 = bin_start(ox, w, ow), x1 = bin_end(ox, w, ow);
        const float* plane = x + p * h * w;
        float s = 0.f;
        for (int r = y0; r < y1; r++)
            for (int c = x0; c < x1; c++) s += plane[r * w + c];
        y[i] = s / (float) ((y1 - y0) * (x1 - x0));
    }
}

extern "C" __global__ void adaptive_avg_pool_backward(const float* dy, float* dx, int planes, int h, int w, int oh,
                                                      int ow) {
    size_t n = (size_t) planes * h * w;
    for (size_t i = global_index(); i < n; i += grid_stride()) {
        int ix = (int) (i % w);
        int iy = (int) ((i / w) % h);
        size_t p = i / ((size_t) w * h);
        const float* g = dy + p * oh * ow;
        float s = 0.f;
        for (int oy = 0; oy < oh; oy++) {
            int y0 = bin_start(oy, h, oh), y1 = bin_end(oy, h, oh);
            if (iy < y0 || iy >= y1) continue;
            for (int ox = 0; ox < ow; ox++) {
                int x0 = bin_start(ox, w, ow), x1 = bin_end(ox, w, ow);
                if (ix >= x0 && ix < x1) s += g[oy * ow + ox] / (float) ((y1 - y0) * (x1 - x0));
            }
        }
        dx[i] = s;
    }
}

// The CPU backend's pooling for any window: max takes the first maximum in row-major order (NaN
// wins), the average divides by the window clipped to the padded input (count_include_pad).
struct PoolShape { int planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw; };

__device__ int pool_argmax(const float* plane, PoolShape g, int oy, int ox) {
    int y0 = oy * g.sh - g.ph, x0 = ox * g.sw - g.pw;
    int best = -1;
    float best_value = 0.f;
    for (int iy = max(0, y0); iy < min(g.h, y0 + g.kh); iy++)
        for (int ix = max(0, x0); ix < min(g.w, x0 + g.kw); ix++) {
            float v = plane[iy * g.w + ix];
            if (best < 0 || v > best_value || isnan(v)) {
                best = iy * g.w + ix;
                best_value = v;
                if (isnan(v)) return best;
            }
        }
    return best;
}

__device__ float pool_divisor(PoolShape g, int oy, int ox) {
    int y0 = oy * g.sh - g.ph, x0 = ox * g.sw - g.pw;
    return (float) ((min(y0 + g.kh, g.h + g.ph) - y0) * (min(x0 + g.kw, g.w + g.pw) - x0));
}

extern "C" __global__ void pool_forward(const float* x, float* y, int planes, int h, int w, int oh, int ow, int kh,
                                        int kw, int sh, int sw, int ph, int pw, int is_max) {
    PoolShape g = {planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw};
    size_t n = (size_t) g.planes * g.oh * g.ow;
    for (size_t i = global_index(); i < n; i += grid_stride()) {
        int ox = (int) (i % g.ow);
        int oy = (int) ((i / g.ow) % g.oh);
        const float* plane = x + (i / ((size_t) g.ow * g.oh)) * g.h * g.w;
        if (is_max) {
            y[i] = plane[pool_argmax(plane, g, oy, ox)];
            continue;
        }
        int y0 = oy * g.sh - g.ph, x0 = ox * g.sw - g.pw;
        float s = 0.f;
        for (int iy = max(0, y0); iy < min(g.h, y0 + g.kh); iy++)
            for (int ix = max(0, x0); ix < min(g.w, x0 + g.kw); ix++) s += plane[iy * g.w + ix];
        y[i] = s / pool_divisor(g, oy, ox);
    }
}

extern "C" __global__ void pool_backward(const float* x, const float* dy, float* dx, int planes, int h, int w, int oh,
                                         int ow, int kh, int kw, int sh, int sw, int ph, int pw, int is_max) {
    PoolShape g = {planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw};
    size_t n = (size_t) g.planes * g.h * g.w;
    for (size_t i = global_index(); i < n; i += grid_stride()) {
        int ix = (int) (i % g.w);
        int iy = (int) ((i / g.w) % g.h);
        size_t p = i / ((size_t) g.w * g.h);
        const float* plane = x + p * g.h * g.w;
        const float* d = dy + p * g.oh * g.ow;
        // Outputs whose window covers (iy, ix): oy*sh - ph <= iy < oy*sh - ph + kh (columns alike).
        int oy0 = max(0, (iy + g.ph - g.kh + g.sh) / g.sh), oy1 = min(g.oh - 1, (iy + g.ph) / g.sh);
        int ox0 = max(0, (ix + g.pw - g.kw + g.sw) / g.sw), ox1 = min(g.ow - 1, (ix + g.pw) / g.sw);
        float s = 0.f;
        for (int oy = oy0; oy <= oy1; oy++)
            for (int ox = ox0; ox <= ox1; ox++) {
                if (is_max) {
                    if (pool_argmax(plane, g, oy, ox) == iy * g.w + ix) s += d[oy * g.ow + ox];
                } else {
                    s += d[oy * g.ow + ox] / pool_divisor(g, oy, ox);
                }
            }
        dx[i] = s;
    }
}
