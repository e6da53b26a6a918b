package dev.kokoro.trainer;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code java -jar trainer.jar [subcommand] ...}. Relaunches itself with
 * {@code --add-modules jdk.incubator.vector} when started without it, since a jar manifest cannot add
 * an incubator module.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            System.exit(relaunch(args));
        }
        System.exit(Cli.run(args));
    }

    private static int relaunch(String[] args) throws Exception {
        String javaCmd = ProcessHandle.current().info().command().orElse("java");
        String jar = Main.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        List<String> cmd = new ArrayList<>(List.of(javaCmd, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED"));
        String heap = System.getenv("KOKORO_JAVA_OPTS");
        if (heap != null && !heap.isBlank()) cmd.addAll(List.of(heap.trim().split("\\s+")));
        cmd.addAll(List.of("-cp", jar, Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }
}
