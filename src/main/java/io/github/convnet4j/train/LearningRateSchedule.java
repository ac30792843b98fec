package io.github.convnet4j.train;

/** The learning rate of each epoch (0-based). */
@FunctionalInterface
public interface LearningRateSchedule {

    double rate(int epoch);

    static LearningRateSchedule constant(double lr) {
        return e -> lr;
    }

    /** lr · gamma^⌊epoch / stepSize⌋. */
    static LearningRateSchedule step(double lr, int stepSize, double gamma) {
        if (stepSize < 1) {
            throw new IllegalArgumentException("step size must be >= 1, got " + stepSize);
        }
        return e -> lr * Math.pow(gamma, e / stepSize);
    }

    /** Cosine annealing from lr to minLr over {@code epochs} epochs. */
    static LearningRateSchedule cosine(double lr, double minLr, int epochs) {
        return e -> minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * Math.min(e, epochs) / Math.max(1, epochs)));
    }

    /** Parses "constant", "step:SIZE:GAMMA" or "cosine[:MIN_LR]" for a base rate and epoch count. */
    static LearningRateSchedule parse(String spec, double lr, int epochs) {
        String[] p = spec.split(":");
        try {
            return switch (p[0]) {
                case "constant" -> constant(lr);
                case "step" -> step(lr, p.length > 1 ? Integer.parseInt(p[1]) : 10, p.length > 2 ? Double.parseDouble(p[2]) : 0.1);
                case "cosine" -> cosine(lr, p.length > 1 ? Double.parseDouble(p[1]) : 0, epochs);
                default -> throw new IllegalArgumentException("unknown schedule '" + spec
                        + "': expected constant, step:SIZE:GAMMA or cosine[:MIN_LR]");
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad schedule '" + spec + "': " + e.getMessage(), e);
        }
    }
}
