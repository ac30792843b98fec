package io.github.convnet4j.distributed;

import io.github.convnet4j.nn.Parameter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A CRC32C over the bits of every parameter of one replica, compared across replicas: replicas of
 * a data-parallel run take the same steps from the same weights, so their weights agree bit for
 * bit, and one flipped bit anywhere changes the checksum. Host arrays are kept between checks.
 */
public final class WeightChecksum {
    private final List<Parameter> parameters;
    private final float[][] host;
    private ByteBuffer bytes = ByteBuffer.allocate(0);

    public WeightChecksum(List<Parameter> parameters) {
        this.parameters = List.copyOf(parameters);
        this.host = new float[parameters.size()][];
        for (int i = 0; i < host.length; i++) {
            host[i] = new float[parameters.get(i).shape().size()];
        }
    }

    /** The checksum of the parameters' current values (downloads them from the device). */
    public long compute() {
        CRC32C crc = new CRC32C();
        for (int i = 0; i < host.length; i++) {
            parameters.get(i).value().backend().download(parameters.get(i).value(), host[i]);
            if (bytes.capacity() < host[i].length * Float.BYTES) {
                bytes = ByteBuffer.allocate(host[i].length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            }
            bytes.clear();
            bytes.asFloatBuffer().put(host[i]);
            bytes.limit(host[i].length * Float.BYTES);
            crc.update(bytes);
        }
        return crc.getValue();
    }

    /**
     * Compares this replica's checksum with every other's; throws {@link ReplicasDivergedException}
     * on every rank, naming the ranks that differ from rank 0 and {@code when}, if any does.
     */
    public void requireAgreement(Communicator comm, String when) {
        long mine = compute();
        byte[][] all = comm.allGather(ByteBuffer.allocate(Long.BYTES).putLong(mine).array());
        long first = ByteBuffer.wrap(all[0]).getLong();
        StringBuilder differing = new StringBuilder();
        for (int r = 1; r < all.length; r++) {
            long other = ByteBuffer.wrap(all[r]).getLong();
            if (other != first) {
                differing.append(differing.length() == 0 ? "" : ", ").append("rank ").append(r).append(" (")
                        .append(hex(other)).append(')');
            }
        }
        if (differing.length() > 0) {
            throw new ReplicasDivergedException("the replicas' weights disagree " + when + ": rank 0 has checksum "
                    + hex(first) + ", but " + differing + "; replicas must take identical steps (same seed and"
                    + " settings, deterministic ops, healthy memory), so training stops");
        }
    }

    private static String hex(long crc) {
        return HexFormat.of().toHexDigits((int) crc);
    }
}
