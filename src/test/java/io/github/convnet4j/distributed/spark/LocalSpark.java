package io.github.convnet4j.distributed.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

/**
 * The tests' one Spark context: local mode with 2 task slots (a barrier stage of 2 tasks needs both),
 * no web UI, the driver on the loopback address, and a failed barrier stage retried once
 * (spark.stage.maxConsecutiveAttempts 2, Spark's default is 4) so that a test of a failing job waits
 * for two attempts, not four. Spark stops it in its own shutdown hook.
 */
final class LocalSpark {
    private static SparkContext context;

    private LocalSpark() {
    }

    static synchronized SparkContext context() {
        if (context == null) {
            context = SparkContext.getOrCreate(new SparkConf()
                    .setMaster("local[2]")
                    .setAppName("convnet4j tests")
                    .set("spark.ui.enabled", "false")
                    .set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1")
                    .set("spark.stage.maxConsecutiveAttempts", "2"));
        }
        return context;
    }
}
