package dev.kokoro.engine.io;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the reference fixtures live: -Dfixtures.dir, else ../shared/fixtures from the working directory upwards. */
public final class Fixtures {
    private Fixtures() {}

    public static Path dir() {
        String prop = System.getProperty("fixtures.dir");
        if (prop != null && Files.isDirectory(Path.of(prop))) return Path.of(prop).toAbsolutePath().normalize();
        Path p = Path.of("").toAbsolutePath();
        for (int i = 0; i < 4 && p != null; i++, p = p.getParent()) {
            Path c = p.resolve("../shared/fixtures").normalize();
            if (Files.isDirectory(c)) return c;
        }
        return Path.of(prop != null ? prop : "../shared/fixtures");
    }

    public static Path file(String name) {
        return dir().resolve(name);
    }

    public static boolean exists(String name) {
        return Files.isRegularFile(file(name));
    }
}
