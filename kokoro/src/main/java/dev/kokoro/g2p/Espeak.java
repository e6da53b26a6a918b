package dev.kokoro.g2p;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code espeak-ng} executable to turn text into IPA with stress marks and a '^' tie
 * inside multi-letter phonemes ("a^ɪ"), the form misaki's espeak fallback works on. The binary is
 * found on PATH, or at the path in -Despeak.path / $ESPEAK_NG.
 */
public final class Espeak {
    private static final String SENTINEL = "qjxqj";  // an improbable word; its IPA line separates chunks in batch mode

    private final String voice;
    private final String exe;

    /** {@code voice}: "en-us" or "en-gb" (any espeak-ng voice name works). */
    public Espeak(String voice) {
        this.voice = voice;
        this.exe = executable();
    }

    public static Espeak american() { return new Espeak("en-us"); }
    public static Espeak british() { return new Espeak("en-gb"); }

    public String voice() { return voice; }

    private static String executable() {
        String p = System.getProperty("espeak.path");
        if (p == null) p = System.getenv("ESPEAK_NG");
        return p != null ? p : "espeak-ng";
    }

    /** Whether espeak-ng can be started. */
    public static boolean available() {
        try {
            Process pr = new ProcessBuilder(executable(), "--version").redirectErrorStream(true).start();
            pr.getInputStream().readAllBytes();
            return pr.waitFor(10, TimeUnit.SECONDS) && pr.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** IPA of one piece of text without punctuation (espeak's line breaks become spaces). */
    public String ipa(String text) throws IOException {
        return ipa(List.of(text)).getFirst();
    }

    /** IPA of each piece, from one espeak-ng process (falling back to one process per piece if the output cannot be split). */
    public List<String> ipa(List<String> pieces) throws IOException {
        List<String> clean = pieces.stream().map(s -> s.replaceAll("[\\r\\n\\u2028\\u2029]+", " ").strip()).toList();
        StringBuilder in = new StringBuilder(SENTINEL).append('\n');
        for (String s : clean) in.append(s).append('\n').append(SENTINEL).append('\n');
        List<String> lines = run(in.toString());
        List<String> out = new ArrayList<>();
        if (!lines.isEmpty()) {
            String sep = lines.getFirst();
            StringBuilder cur = null;
            for (String line : lines.subList(1, lines.size())) {
                if (line.equals(sep)) { out.add(cur == null ? "" : cur.toString()); cur = null; }
                else cur = cur == null ? new StringBuilder(line.strip()) : cur.append(' ').append(line.strip());
            }
            if (cur != null) out.add(null); // trailing text after the last separator: cannot trust the split
        }
        if (out.size() == clean.size() && !out.contains(null)) return out;
        List<String> one = new ArrayList<>();
        for (String s : clean) one.add(String.join(" ", run(s + "\n").stream().map(String::strip).toList()).strip());
        return one;
    }

    private List<String> run(String input) throws IOException {
        List<String> cmd = List.of(exe, "-q", "-b", "1", "--ipa", "--tie=^", "-v", voice);
        Process pr;
        try {
            pr = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new IOException("cannot run espeak-ng (" + exe + "): " + e.getMessage()
                    + ". Install espeak-ng (e.g. apt-get install espeak-ng) or set -Despeak.path", e);
        }
        // own threads, not the common pool: with one pool worker the writer could wait behind a blocked reader
        byte[][] err = new byte[1][];
        Thread errReader = Thread.ofPlatform().daemon().start(() -> err[0] = drain(pr.getErrorStream()));
        Thread feed = Thread.ofPlatform().daemon().start(() -> {
            try (OutputStream os = pr.getOutputStream()) {
                os.write(input.getBytes(StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // espeak-ng exited early; its exit code and stderr tell why
            }
        });
        byte[] out = drain(pr.getInputStream());
        try {
            if (!pr.waitFor(60 + input.length() / 1000, TimeUnit.SECONDS)) {
                pr.destroyForcibly();
                throw new IOException("espeak-ng (" + voice + ") did not finish");
            }
            feed.join();
            errReader.join();
        } catch (InterruptedException e) {
            pr.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running espeak-ng", e);
        }
        if (pr.exitValue() != 0)
            throw new IOException("espeak-ng -v " + voice + " failed (exit " + pr.exitValue() + "): "
                    + new String(err[0], StandardCharsets.UTF_8).strip());
        String text = new String(out, StandardCharsets.UTF_8);
        if (text.endsWith("\n")) text = text.substring(0, text.length() - 1);
        return text.isEmpty() ? new ArrayList<>() : new ArrayList<>(Arrays.asList(text.split("\n", -1)));
    }

    private static byte[] drain(InputStream in) {
        try (in) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toByteArray();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
