package io.github.convnet4j.cli;

import io.github.convnet4j.data.DataSources;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which data set and where it is. */
final class DataOptions {
    @Option(names = "--dataset", defaultValue = "fashion-mnist",
            description = "fashion-mnist, mnist or cifar10 (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--data", description = "folder holding the data set's files")
    Path dir;

    @Option(names = "--download", description = "download Fashion-MNIST (SHA-256 verified) if not found locally")
    boolean download;

    @Option(names = "--limit", description = "use only the first N training images")
    Integer limit;

    /** The ranges of these options; {@link #load} checks them too, but commands call it before other work. */
    void checkOptions() {
        if (limit != null) {
            OptionRanges.atLeast("--limit", limit, 1);
        }
    }

    DataSources.Split load() throws IOException {
        checkOptions();
        DataSources.Split s = DataSources.load(dataset, DataSources.Options.defaults().withDataDir(dir).withDownload(download));
        if (limit != null) {
            s = new DataSources.Split(s.train().head(limit), s.test(), s.source() + " (first " + limit + " training images)");
        }
        return s;
    }
}
