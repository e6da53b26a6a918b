package dev.kokoro.trainer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --key value} and {@code --flag} options of one subcommand. Every option a subcommand
 * reads is declared first (with its help line), so unknown options are an error that lists the
 * known ones.
 */
final class Args {
    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, String[]> declared = new LinkedHashMap<>(); // name -> {valueName or null, help, default}

    Args(String command) {
        this.command = command;
    }

    Args option(String name, String valueName, String def, String help) {
        declared.put(name, new String[]{valueName, help, def});
        return this;
    }

    Args flag(String name, String help) {
        declared.put(name, new String[]{null, help, null});
        return this;
    }

    /** Parses; returns false when --help was asked (usage already printed). */
    boolean parse(String[] argv, String summary) {
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println(usage(summary));
                return false;
            }
            if (!a.startsWith("--")) throw new UsageException(command + ": unexpected argument '" + a + "'\n\n" + usage(summary));
            String name = a.substring(2), inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            String[] d = declared.get(name);
            if (d == null) throw new UsageException(command + ": unknown option --" + name + "\n\n" + usage(summary));
            if (d[0] == null) {
                values.put(name, "true");
            } else {
                String v = inline != null ? inline : (i + 1 < argv.length ? argv[++i] : null);
                if (v == null) throw new UsageException(command + ": --" + name + " needs a value (" + d[0] + ")");
                values.put(name, v);
            }
        }
        return true;
    }

    String usage(String summary) {
        StringBuilder b = new StringBuilder("usage: java -jar trainer.jar ").append(command).append(" [options]\n\n").append(summary).append("\n\noptions:\n");
        for (var e : declared.entrySet()) {
            String[] d = e.getValue();
            String left = "  --" + e.getKey() + (d[0] != null ? " " + d[0] : "");
            b.append(String.format("%-30s %s%s%n", left, d[1], d[2] != null ? " (default: " + d[2] + ")" : ""));
        }
        b.append(String.format("%-30s %s%n", "  --help", "this text"));
        return b.toString();
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String str(String name) {
        String v = values.get(name);
        if (v == null) v = declared.get(name)[2];
        return v;
    }

    String required(String name) {
        String v = str(name);
        if (v == null) throw new UsageException(command + ": --" + name + " is required (see --help)");
        return v;
    }

    Path path(String name) {
        String v = str(name);
        return v == null ? null : Path.of(v);
    }

    int integer(String name) {
        String v = str(name);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " expects an integer, got '" + v + "'");
        }
    }

    double real(String name) {
        String v = str(name);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " expects a number, got '" + v + "'");
        }
    }

    boolean bool(String name) {
        return values.containsKey(name) && !"false".equals(values.get(name));
    }

    List<String> names() {
        return new ArrayList<>(declared.keySet());
    }

    /** A command-line mistake: printed without a stack trace, exit code 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String msg) {
            super(msg);
        }
    }
}
