package io.github.convnet4j.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * Per dim-0 slice of one tensor, whether every settled sample missed the tolerance in the same
 * direction. A backward pass that scales or drops one row or channel does exactly that, whereas
 * the misses that kinks cause are rare and scatter both ways, so two of them in one slice, both
 * one-signed, are not expected by chance.
 */
final class SliceVerdicts {
    private final int[] samples;
    private final int[] tooLarge;
    private final int[] tooSmall;

    SliceVerdicts(int rows) {
        samples = new int[rows];
        tooLarge = new int[rows];
        tooSmall = new int[rows];
    }

    /** @param signedError (|backprop| − |numeric|), relative: its sign says which way a miss went */
    void add(int row, boolean miss, double signedError) {
        samples[row]++;
        if (miss && signedError > 0) {
            tooLarge[row]++;
        } else if (miss) {
            tooSmall[row]++;
        }
    }

    /** One line per slice of two or more settled samples that all missed one way. */
    List<String> offInOneDirection(String tensor) {
        List<String> off = new ArrayList<>();
        for (int r = 0; r < samples.length; r++) {
            boolean allOneWay = tooLarge[r] == samples[r] || tooSmall[r] == samples[r];
            if (samples[r] >= 2 && allOneWay) {
                off.add(tensor + ": all " + samples[r] + " samples of slice " + r + " are off, backprop "
                        + (tooLarge[r] > 0 ? "larger" : "smaller") + " than the numeric derivative");
            }
        }
        return off;
    }
}
