package dev.kokoro.audio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Praat TextGrid as Montreal Forced Aligner writes it: the long ("ooTextFile", {@code key = value})
 * text format or the short one (values only), UTF-8 (BOM optional; a file that is not valid UTF-8 is read
 * as Latin-1, as Praat does) or UTF-16 with a byte-order mark.
 *
 * <p>Both formats are read as one stream of values — numbers, quoted strings ({@code ""} inside a string
 * is a quote; strings may span lines) and the flags {@code <exists>}/{@code <absent>} — with the labels of
 * the long format ({@code xmin =}, {@code item [1]:}, {@code intervals: size =}, {@code tiers?}) skipped.
 * A label must end in {@code =}, {@code :} or {@code ?}; any other stray text is an error. Interval tiers
 * and text (point) tiers are read; intervals must not run backwards or overlap.
 */
public final class TextGrid {

    public record Interval(double xmin, double xmax, String text) {}

    public record Point(double time, String mark) {}

    private final String source;
    private final double xmin, xmax;
    private final Map<String, List<Interval>> intervalTiers;
    private final Map<String, List<Point>> pointTiers;

    public TextGrid(String source, double xmin, double xmax, Map<String, List<Interval>> intervalTiers,
                    Map<String, List<Point>> pointTiers) {
        this.source = source;
        this.xmin = xmin;
        this.xmax = xmax;
        this.intervalTiers = Collections.unmodifiableMap(new LinkedHashMap<>(intervalTiers));
        this.pointTiers = Collections.unmodifiableMap(new LinkedHashMap<>(pointTiers));
    }

    /** Where the grid came from (the file name), for error messages. */
    public String source() { return source; }

    public double xmin() { return xmin; }

    public double xmax() { return xmax; }

    /** Interval tiers in file order: name → intervals in time order. */
    public Map<String, List<Interval>> intervalTiers() { return intervalTiers; }

    /** Text (point) tiers in file order: name → points. */
    public Map<String, List<Point>> pointTiers() { return pointTiers; }

    /**
     * The interval tier called {@code name}, or else the only one called {@code "<speaker> - name"}
     * (MFA's naming when it aligns several speakers).
     */
    public List<Interval> tier(String name) {
        List<Interval> t = intervalTiers.get(name);
        if (t != null) return t;
        List<String> suffixed = new ArrayList<>();
        for (String n : intervalTiers.keySet()) if (n.endsWith(" - " + name)) suffixed.add(n);
        if (suffixed.size() == 1) return intervalTiers.get(suffixed.get(0));
        throw new IllegalArgumentException(source + ": " + (suffixed.isEmpty() ? "no" : "more than one") + " interval tier named \""
                + name + "\" (interval tiers: " + intervalTiers.keySet() + ")");
    }

    public static TextGrid read(Path file) throws IOException {
        return parse(decode(Files.readAllBytes(file)), file.toString());
    }

    /** Bytes → text: UTF-16 by BOM, else UTF-8 (BOM skipped), else Latin-1. */
    static String decode(byte[] b) {
        if (b.length >= 2 && (b[0] & 0xff) == 0xFE && (b[1] & 0xff) == 0xFF)
            return new String(b, 2, b.length - 2, StandardCharsets.UTF_16BE);
        if (b.length >= 2 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xFE)
            return new String(b, 2, b.length - 2, StandardCharsets.UTF_16LE);
        int start = b.length >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB && (b[2] & 0xff) == 0xBF ? 3 : 0;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, start, b.length - start)).toString();
        } catch (CharacterCodingException e) {
            return new String(b, StandardCharsets.ISO_8859_1);
        }
    }

    /** Parses TextGrid text; {@code source} names it in error messages. */
    public static TextGrid parse(String text, String source) throws IOException {
        return new Parser(text, source).textGrid();
    }

    // ---------------------------------------------------------------- parsing

    private enum Kind { NUMBER, STRING, FLAG, END }

    private record Token(Kind kind, String text, int line) {}

    private static final class Parser {
        private final String s, source;
        private int pos = 0, line = 1;

        Parser(String s, String source) {
            this.s = s;
            this.source = source;
        }

        TextGrid textGrid() throws IOException {
            String fileType = string("the file type (\"ooTextFile\")");
            if (!fileType.equals("ooTextFile"))
                throw error(line, "file type \"" + fileType + "\" is not \"ooTextFile\" (only Praat's text formats are read)");
            String objectClass = string("the object class (\"TextGrid\")");
            if (!objectClass.equals("TextGrid"))
                throw error(line, "object class \"" + objectClass + "\" is not \"TextGrid\"");
            double xmin = number("the grid's xmin"), xmax = number("the grid's xmax");
            Token flag = next();
            if (flag.kind != Kind.FLAG) throw error(flag.line, "expected <exists> or <absent> (tiers?), found " + show(flag));
            Map<String, List<Interval>> intervals = new LinkedHashMap<>();
            Map<String, List<Point>> points = new LinkedHashMap<>();
            if (flag.text.equals("<exists>")) {
                int tiers = count("the number of tiers");
                for (int t = 1; t <= tiers; t++) {
                    int tierLine = nextLine();
                    String cls = string("the class of tier " + t);
                    String name = string("the name of tier " + t);
                    String what = "tier " + t + " \"" + name + "\"";
                    if (intervals.containsKey(name) || points.containsKey(name))
                        throw error(tierLine, "two tiers are named \"" + name + "\"");
                    number("the xmin of " + what);
                    number("the xmax of " + what);
                    int n = count("the size of " + what);
                    switch (cls) {
                        case "IntervalTier" -> {
                            List<Interval> list = new ArrayList<>(n);
                            for (int i = 1; i <= n; i++) {
                                String where = what + " interval " + i;
                                int at = nextLine();
                                double a = number("the xmin of " + where), b = number("the xmax of " + where);
                                String label = string("the text of " + where);
                                if (!(b >= a)) throw error(at, where + " ends (" + b + ") before it starts (" + a + ")");
                                if (!list.isEmpty() && a < list.getLast().xmax() - 1e-9)
                                    throw error(at, where + " starts at " + a + ", before the previous interval ends ("
                                            + list.getLast().xmax() + ")");
                                list.add(new Interval(a, b, label));
                            }
                            intervals.put(name, Collections.unmodifiableList(list));
                        }
                        case "TextTier" -> {
                            List<Point> list = new ArrayList<>(n);
                            for (int i = 1; i <= n; i++) {
                                double time = number("the time of " + what + " point " + i);
                                list.add(new Point(time, string("the mark of " + what + " point " + i)));
                            }
                            points.put(name, Collections.unmodifiableList(list));
                        }
                        default -> throw error(tierLine, "tier " + t + " has class \"" + cls + "\", expected IntervalTier or TextTier");
                    }
                }
            }
            Token end = next();
            if (end.kind != Kind.END) throw error(end.line, "unexpected " + show(end) + " after the last tier");
            return new TextGrid(source, xmin, xmax, intervals, points);
        }

        private String string(String what) throws IOException {
            Token t = next();
            if (t.kind != Kind.STRING) throw error(t.line, "expected a quoted string (" + what + "), found " + show(t));
            return t.text;
        }

        private double number(String what) throws IOException {
            Token t = next();
            if (t.kind != Kind.NUMBER) throw error(t.line, "expected a number (" + what + "), found " + show(t));
            try {
                double v = Double.parseDouble(t.text);
                if (!Double.isFinite(v)) throw new NumberFormatException();
                return v;
            } catch (NumberFormatException e) {
                throw error(t.line, "\"" + t.text + "\" is not a number (" + what + ")");
            }
        }

        private int count(String what) throws IOException {
            int at = nextLine();
            double v = number(what);
            if (v < 0 || v != Math.rint(v) || v > Integer.MAX_VALUE) throw error(at, what + " is " + v + ", not a count");
            return (int) v;
        }

        private static String show(Token t) {
            return switch (t.kind) {
                case END -> "the end of the file";
                case STRING -> "the string \"" + t.text + "\"";
                default -> "\"" + t.text + "\"";
            };
        }

        private IOException error(int atLine, String message) {
            return new IOException(source + ":" + atLine + ": " + message);
        }

        /** The next value, skipping whitespace and labels. */
        private Token next() throws IOException {
            while (true) {
                skipSpace();
                if (pos >= s.length()) return new Token(Kind.END, "", line);
                char c = s.charAt(pos);
                if (c == '"') return quoted();
                if (c == '<') {
                    int end = s.indexOf('>', pos);
                    String flag = end < 0 ? "" : s.substring(pos, end + 1);
                    if (!flag.equals("<exists>") && !flag.equals("<absent>"))
                        throw error(line, "unexpected text \"" + word() + "\"");
                    pos = end + 1;
                    return new Token(Kind.FLAG, flag, line);
                }
                if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) {
                    int at = line;
                    return new Token(Kind.NUMBER, word(), at);
                }
                if (Character.isLetter(c) || c == '[') { skipLabel(); continue; }
                if (c == '!') { skipToEol(); continue; } // Praat comment
                throw error(line, "unexpected text \"" + word() + "\"");
            }
        }

        /** A label: words and {@code [..]} up to and including a final '=', ':' or '?'. */
        private void skipLabel() throws IOException {
            int at = line, start = pos;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == '\n' || c == '\r') break;
                if (c == '=' || c == ':' || c == '?') {
                    pos++;
                    return;
                }
                if (c == '"' || c == '<') break;
                pos++;
            }
            throw error(at, "unexpected text \"" + s.substring(start, pos).strip() + "\" (a label must end in '=', ':' or '?')");
        }

        private Token quoted() throws IOException {
            int at = line;
            StringBuilder b = new StringBuilder();
            pos++;
            while (true) {
                if (pos >= s.length()) throw error(at, "string not closed before the end of the file");
                char c = s.charAt(pos++);
                if (c == '"') {
                    if (pos < s.length() && s.charAt(pos) == '"') { b.append('"'); pos++; continue; }
                    return new Token(Kind.STRING, b.toString(), at);
                }
                if (c == '\n') line++;
                b.append(c);
            }
        }

        private String word() {
            int start = pos;
            while (pos < s.length() && !Character.isWhitespace(s.charAt(pos))) pos++;
            return s.substring(start, pos);
        }

        /** The line where the next token starts (whitespace skipped). */
        private int nextLine() {
            skipSpace();
            return line;
        }

        private void skipSpace() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == '\n') line++;
                else if (!Character.isWhitespace(c) && c != '\uFEFF') return;
                pos++;
            }
        }

        private void skipToEol() {
            while (pos < s.length() && s.charAt(pos) != '\n') pos++;
        }
    }
}
