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
        if (!(gamma > 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("step schedule: gamma must be a finite number > 0 (the rate is multiplied"
                    + " by it every " + stepSize + " epochs; 0 would stop learning), got " + gamma);
        }
        return e -> lr * Math.pow(gamma, e / stepSize);
    }

    /** Cosine annealing from lr to minLr over {@code epochs} epochs. */
    static LearningRateSchedule cosine(double lr, double minLr, int epochs) {
        return e -> minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * Math.min(e, epochs) / Math.max(1, epochs)));
    }

    /**
     * Parses "constant", "step:SIZE:GAMMA" or "cosine[:MIN_LR]" for a base rate and epoch count, and
     * checks every epoch's rate up front: a rate that reaches 0 (step:N:0, a gamma so small that the
     * float rate underflows, a negative cosine floor) is refused here rather than mid-run.
     */
    static LearningRateSchedule parse(String spec, double lr, int epochs) {
        LearningRateSchedule schedule;
        try {
            schedule = parseUnchecked(spec, lr, epochs);
        } catch (IllegalArgumentException e) {
            throw e.getMessage() != null && e.getMessage().contains("'" + spec + "'") ? e
                    : new IllegalArgumentException("schedule '" + spec + "': " + e.getMessage(), e);
        }
        requirePositiveRates(schedule, epochs, "schedule '" + spec + "' with learning rate " + lr);
        return schedule;
    }

    /**
     * Fails, naming {@code what} and the epoch, unless every one of the first {@code epochs} rates is
     * a finite float > 0 (what an optimizer accepts), so a bad schedule stops a run before it starts.
     */
    static void requirePositiveRates(LearningRateSchedule schedule, int epochs, String what) {
        for (int e = 0; e < epochs; e++) {
            double exact = schedule.rate(e);
            float rate = (float) exact;
            if (!(rate > 0) || Float.isInfinite(rate)) {
                throw new IllegalArgumentException(what + " gives epoch " + (e + 1) + " of " + epochs + " the rate "
                        + exact + " (as float " + rate + "); every epoch's rate must be a finite number > 0");
            }
        }
    }

    private static LearningRateSchedule parseUnchecked(String spec, double lr, int epochs) {
        String[] p = spec.split(":", -1);
        int parts = switch (p[0]) {
            case "constant" -> 1;
            case "step" -> 3;
            case "cosine" -> 2;
            default -> throw new IllegalArgumentException("unknown schedule '" + spec
                    + "': expected constant, step:SIZE:GAMMA or cosine[:MIN_LR]");
        };
        if (p.length > parts) {
            throw new IllegalArgumentException("bad schedule '" + spec + "': " + p[0] + " takes at most " + (parts - 1)
                    + " number" + (parts == 2 ? "" : "s") + " after it (constant, step:SIZE:GAMMA or cosine[:MIN_LR])");
        }
        return switch (p[0]) {
            case "constant" -> constant(lr);
            case "step" -> step(lr, p.length > 1 ? whole(spec, "SIZE", p[1]) : 10, p.length > 2 ? number(spec, "GAMMA", p[2]) : 0.1);
            default -> cosine(lr, p.length > 1 ? number(spec, "MIN_LR", p[1]) : 0, epochs);
        };
    }

    private static int whole(String spec, String what, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad schedule '" + spec + "': " + what + " must be a whole number, got '"
                    + text + "'", e);
        }
    }

    private static double number(String spec, String what, String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad schedule '" + spec + "': " + what + " must be a number, got '"
                    + text + "'", e);
        }
    }
}
