package dev.kokoro.trainer;

import java.io.IOException;
import java.util.Arrays;

/** Subcommand dispatch; errors are printed as messages, not stack traces. */
final class Cli {
    private Cli() {}

    static final String HELP = """
            kokoro-mamba: Kokoro-82M with a Mamba prosody encoder, fine-tuned in pure Java.

            usage: java -jar trainer.jar <command> [options]     (no command: the embedded demo)

            commands:
              synth     text or phonemes to a 24 kHz WAV with any checkpoint (prints the real-time factor)
              parity    compare a forward pass with a PyTorch reference dump (max_rel_err=... last)
              surgery   write the checkpoint with the Mamba block grafted into predictor.text_encoder
              distill   text-only warm start: the Mamba block learns the original DurationEncoder
              train     fine-tune only the Mamba block on (text, wav) data (L1 log-mel + duration loss, AdamW)
              voice     learn a voice pack for a speaker with the model frozen (only the style vector trains)
              export    original model + trained Mamba block -> .pth (kokoro layout) or .safetensors
              inspect   list a checkpoint's tensors, shapes and parameter counts
              demo      the embedded demo on a small random Kokoro (what runs with no arguments)

            `java -jar trainer.jar <command> --help` explains each command's options.
            """;

    static int run(String[] args) {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))) {
            System.out.println(HELP);
            return 0;
        }
        String cmd = args.length == 0 ? "demo" : args[0];
        String[] rest = args.length == 0 ? new String[0] : Arrays.copyOfRange(args, 1, args.length);
        try {
            return switch (cmd) {
                case "synth" -> SynthCommand.run(rest);
                case "parity" -> ParityCommand.run(rest);
                case "surgery" -> SurgeryCommand.run(rest);
                case "distill" -> DistillCommand.run(rest);
                case "train" -> TrainCommand.run(rest);
                case "export" -> ExportCommand.run(rest);
                case "voice" -> VoiceCommand.run(rest);
                case "inspect" -> InspectCommand.run(rest);
                case "demo" -> DemoCommand.run(rest);
                default -> {
                    System.err.println("unknown command '" + cmd + "'\n\n" + HELP);
                    yield 2;
                }
            };
        } catch (Args.UsageException e) {
            System.err.println(e.getMessage());
            return 2;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            if (System.getenv("KOKORO_DEBUG") != null) e.printStackTrace();
            return 1;
        } catch (Exception e) {
            System.err.println("error: " + e);
            e.printStackTrace();
            return 1;
        }
    }
}
