package io.github.convnet4j.cuda;

import java.lang.reflect.Method;
import jcuda.NativePointerObject;
import jcuda.Pointer;

/**
 * Device addresses moved between the two CUDA bindings in one JVM: JCuda (our allocations, stream
 * and kernels) and Bytedeco (NCCL). Both talk to the same driver and primary context, so an address
 * from one is valid in the other. JCuda keeps its native value behind a protected accessor, read
 * here once by reflection (the classes are on the class path, so no module has to be opened).
 */
final class DeviceAddresses {
    private static final Method NATIVE_POINTER = accessor(NativePointerObject.class, "getNativePointer");
    private static final Method BYTE_OFFSET = accessor(Pointer.class, "getByteOffset");

    private DeviceAddresses() {
    }

    private static Method accessor(Class<?> owner, String name) {
        try {
            Method m = owner.getDeclaredMethod(name);
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("this JCuda version has no " + owner.getSimpleName() + "." + name + ": " + e, e);
        }
    }

    /** The address a JCuda object (a stream, a device pointer without offset) stands for. */
    static long of(NativePointerObject p) {
        try {
            long base = (long) NATIVE_POINTER.invoke(p);
            return p instanceof Pointer ? base + (long) BYTE_OFFSET.invoke(p) : base;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("reading a JCuda native pointer failed: " + e, e);
        }
    }

    /** A JCuda device pointer (with its byte offset) as a Bytedeco pointer to the same address. */
    static org.bytedeco.javacpp.Pointer pointer(Pointer p) {
        return new At(of(p));
    }

    /** A Bytedeco pointer to {@code address}. */
    static org.bytedeco.javacpp.Pointer at(long address) {
        return new At(address);
    }

    /** A Bytedeco pointer to an address it does not own: nothing is freed when it is collected. */
    private static final class At extends org.bytedeco.javacpp.Pointer {
        At(long address) {
            this.address = address;
        }
    }
}
