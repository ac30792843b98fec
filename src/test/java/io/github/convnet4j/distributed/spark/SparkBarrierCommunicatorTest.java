package io.github.convnet4j.distributed.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.convnet4j.cpu.CpuBackend;
import io.github.convnet4j.distributed.CommunicatorException;
import io.github.convnet4j.distributed.ReduceOp;
import io.github.convnet4j.tensor.Shape;
import io.github.convnet4j.tensor.Tensor;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * The communicator's collectives in 2 barrier tasks of local[2], with replies small enough that the
 * tensors travel in 2 chunks whose boundary falls inside a tensor. Every collective costs about a
 * second (Spark's barrier poll), so they all run in one stage.
 */
class SparkBarrierCommunicatorTest {
    private static final int[] SIZES = {5, 100, 3};
    /** 1,024 bytes of reply for 2 ranks: 96 floats a chunk, so 108 floats make 2 chunks. */
    private static final int MAX_REPLY = 1024;

    /** Rank r's element j of tensor i: distinct per rank, tensor and element, not exactly representable sums. */
    static float value(int rank, int tensor, int j) {
        return (rank + 1) * (j + 1) * 0.37f + tensor * 0.01f;
    }

    /** What every rank does; returns "what|rank|values" lines. */
    static final class Collectives extends AbstractFunction1<Iterator<Integer>, Iterator<String>> implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<String> apply(Iterator<Integer> ignored) {
            BarrierTaskContext ctx = BarrierTaskContext.get();
            List<String> out = new ArrayList<>();
            try (CpuBackend cpu = new CpuBackend(1)) {
                SparkBarrierCommunicator comm = new SparkBarrierCommunicator(ctx, MAX_REPLY);
                int r = comm.rank();
                out.add("chunk|" + r + "|" + comm.chunkFloats());
                List<Tensor> t = tensors(cpu, r);
                comm.allReduce(t, ReduceOp.SUM);
                out.add("sum|" + r + "|" + flat(t));
                reset(t, r);
                comm.allReduce(t, ReduceOp.MEAN);
                out.add("mean|" + r + "|" + flat(t));
                reset(t, r);
                comm.broadcast(t, 1);
                out.add("broadcast|" + r + "|" + flat(t));
                byte[][] all = comm.allGather(("from rank " + r).getBytes(StandardCharsets.UTF_8));
                out.add("gather|" + r + "|" + new String(all[0], StandardCharsets.UTF_8) + "/"
                        + new String(all[1], StandardCharsets.UTF_8));
                try {
                    if (r == 0) {
                        comm.allReduce(t.subList(0, 1), ReduceOp.SUM);
                    } else {
                        comm.allGather(new byte[3]);
                    }
                    out.add("mismatch|" + r + "|not detected");
                } catch (CommunicatorException e) {
                    out.add("mismatch|" + r + "|" + e.getMessage());
                }
                t.forEach(Tensor::close);
                comm.close();
            }
            return CollectionConverters.asScala(out.iterator());
        }

        private static List<Tensor> tensors(CpuBackend cpu, int rank) {
            List<Tensor> t = new ArrayList<>();
            for (int i = 0; i < SIZES.length; i++) {
                t.add(cpu.tensor(values(rank, i), Shape.of(SIZES[i])));
            }
            return t;
        }

        private static void reset(List<Tensor> t, int rank) {
            for (int i = 0; i < t.size(); i++) {
                t.get(i).copyFrom(values(rank, i));
            }
        }

        private static String flat(List<Tensor> t) {
            StringBuilder s = new StringBuilder();
            t.forEach(x -> s.append(Arrays.toString(x.toArray())));
            return s.toString();
        }
    }

    static float[] values(int rank, int tensor) {
        float[] v = new float[SIZES[tensor]];
        for (int j = 0; j < v.length; j++) {
            v[j] = value(rank, tensor, j);
        }
        return v;
    }

    /** Float.toString round-trips, so equal strings are equal bits. */
    private static String expected(java.util.function.IntFunction<float[]> perTensor) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < SIZES.length; i++) {
            s.append(Arrays.toString(perTensor.apply(i)));
        }
        return s.toString();
    }

    @Test
    void chunkedAllReduceBroadcastAndAllGatherGiveEveryRankTheSameRankOrderedResultAndMismatchesAreNamed() {
        List<Integer> ranks = List.of(0, 1);
        List<String> lines = JavaSparkContext.fromSparkContext(LocalSpark.context()).parallelize(ranks, 2).rdd()
                .barrier().mapPartitions(new Collectives(), false, ClassTag$.MODULE$.apply(String.class))
                .toJavaRDD().collect();
        String sum = expected(i -> {
            float[] s = new float[SIZES[i]];
            for (int j = 0; j < s.length; j++) {
                s[j] = value(0, i, j) + value(1, i, j);
            }
            return s;
        });
        String mean = expected(i -> {
            float[] m = new float[SIZES[i]];
            for (int j = 0; j < m.length; j++) {
                m[j] = (value(0, i, j) + value(1, i, j)) / 2;
            }
            return m;
        });
        String root = expected(i -> values(1, i));
        for (int r = 0; r < 2; r++) {
            assertEquals("96", field(lines, "chunk", r), "2 chunks, the boundary inside the second tensor");
            assertEquals(sum, field(lines, "sum", r), "sum on rank " + r);
            assertEquals(mean, field(lines, "mean", r), "mean on rank " + r);
            assertEquals(root, field(lines, "broadcast", r), "broadcast from rank 1, on rank " + r);
            assertEquals("from rank 0/from rank 1", field(lines, "gather", r), "allGather by rank");
            String m = field(lines, "mismatch", r);
            assertTrue(m.contains("rank 0 called allReduce(1 tensors, 5 floats; chunk 0) but rank 1 called allGather(3 bytes)"), m);
        }
    }

    private static String field(List<String> lines, String what, int rank) {
        String prefix = what + "|" + rank + "|";
        return lines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).findFirst()
                .orElse("missing: " + lines);
    }
}
