package dev.kokoro.trainer;

/** Subcommand dispatch. */
final class Cli {
    private Cli() {}

    static int run(String[] args) {
        System.out.println("kokoro-mamba: subcommands are being built; see README.md");
        return 0;
    }
}
