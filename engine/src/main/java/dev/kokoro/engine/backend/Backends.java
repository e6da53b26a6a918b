package dev.kokoro.engine.backend;

import dev.kokoro.engine.Device;
import java.util.EnumMap;
import java.util.Map;
import java.util.ServiceLoader;

/** The backend of each device, found once with {@link ServiceLoader}; tests may {@link #register} their own. */
public final class Backends {
    private static final Map<Device, Backend> BACKENDS = new EnumMap<>(Device.class);
    private static boolean loaded;

    private Backends() {}

    /** The backend for {@code device}, or null when none is on the class path. */
    public static synchronized Backend get(Device device) {
        if (!loaded) {
            loaded = true;
            for (Backend b : ServiceLoader.load(Backend.class)) BACKENDS.putIfAbsent(b.device(), b);
        }
        return BACKENDS.get(device);
    }

    /** The backend for {@code device}; an error saying why when there is none or it cannot run. */
    public static Backend require(Device device) {
        Backend b = get(device);
        if (b == null) throw new IllegalStateException("no " + device + " backend on the class path (the kernels module provides CUDA)");
        String why = b.unavailableReason();
        if (why != null) throw new IllegalStateException(device + " is not available: " + why);
        return b;
    }

    /** Null when {@code device} can be used, else why not. */
    public static String unavailableReason(Device device) {
        if (device == Device.CPU) return null;
        Backend b = get(device);
        return b == null ? "no " + device + " backend on the class path" : b.unavailableReason();
    }

    /** Installs (or with null removes) the backend of a device; returns the previous one. For tests. */
    public static synchronized Backend register(Device device, Backend backend) {
        get(device);
        return backend == null ? BACKENDS.remove(device) : BACKENDS.put(device, backend);
    }
}
