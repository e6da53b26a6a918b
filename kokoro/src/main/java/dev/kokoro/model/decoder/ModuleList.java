package dev.kokoro.model.decoder;

import dev.kokoro.model.nn.Module;
import java.util.ArrayList;
import java.util.List;

/** nn.ModuleList: children named 0, 1, 2, ... */
final class ModuleList<M extends Module> extends Module {
    private final List<M> items = new ArrayList<>();

    M add(M m) {
        child(Integer.toString(items.size()), m);
        items.add(m);
        return m;
    }

    M get(int i) { return items.get(i); }

    int size() { return items.size(); }

    List<M> items() { return items; }
}
