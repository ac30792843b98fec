package io.github.convnet4j.viz;

import io.github.convnet4j.train.EpochRecord;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * Loss and accuracy per epoch, drawn with XChart (an optional dependency: only this class names it,
 * and {@link Pictures#curves} checks for it first, so the rest of viz works without it).
 */
final class TrainingCurves {
    static final String LIBRARY_CLASS = "org.knowm.xchart.XYChart";
    static final int WIDTH = 640;
    private static final int CHART_HEIGHT = 300;

    private TrainingCurves() {
    }

    static BufferedImage draw(List<EpochRecord> history) {
        double[] epochs = history.stream().mapToDouble(EpochRecord::epoch).toArray();
        XYChart loss = new XYChartBuilder().width(WIDTH).height(CHART_HEIGHT).title("loss").xAxisTitle("epoch")
                .yAxisTitle("loss").build();
        loss.addSeries("training loss", epochs, history.stream().mapToDouble(EpochRecord::loss).toArray());
        XYChart acc = new XYChartBuilder().width(WIDTH).height(CHART_HEIGHT).title("accuracy").xAxisTitle("epoch")
                .yAxisTitle("accuracy").build();
        acc.addSeries("train", epochs, history.stream().mapToDouble(EpochRecord::trainAccuracy).toArray());
        acc.addSeries("test", epochs, history.stream().mapToDouble(EpochRecord::testAccuracy).toArray());
        if (history.stream().noneMatch(r -> Double.isNaN(r.validationAccuracy()))) {
            acc.addSeries("validation", epochs, history.stream().mapToDouble(EpochRecord::validationAccuracy).toArray());
        }
        BufferedImage img = new BufferedImage(WIDTH, 2 * CHART_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.drawImage(BitmapEncoder.getBufferedImage(loss), 0, 0, null);
        g.drawImage(BitmapEncoder.getBufferedImage(acc), 0, CHART_HEIGHT, null);
        g.dispose();
        return img;
    }
}
