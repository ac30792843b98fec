package io.github.convnet4j.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The printed confusion matrix has a header row of predicted-class numbers and a named row per true class. */
class EvaluationReportTest {
    @Test
    void confusionMatrixHasRowAndColumnHeaders() {
        Evaluation e = new Evaluation(new int[][]{{812, 3, 0}, {1, 990, 9}, {0, 12, 1000}}, List.of("T-shirt/top", "Trouser", "Bag"));
        String report = e.report();
        String expected = String.join("\n",
                "confusion matrix (rows: true class, columns: predicted):",
                "true \\ predicted     0     1     2",
                "0 T-shirt/top      812     3     0",
                "1 Trouser            1   990     9",
                "2 Bag                0    12  1000",
                "");
        assertTrue(report.endsWith(expected), report);
    }
}
