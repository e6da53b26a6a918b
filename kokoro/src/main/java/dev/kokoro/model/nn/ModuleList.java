package dev.kokoro.model.nn;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** nn.ModuleList / nn.Sequential naming: children are registered as "0", "1", ... */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {
    private final List<M> items = new ArrayList<>();

    public <T extends M> T add(T m) {
        child(Integer.toString(items.size()), m);
        items.add(m);
        return m;
    }

    public M get(int i) { return items.get(i); }

    public int size() { return items.size(); }

    @Override
    public Iterator<M> iterator() { return items.iterator(); }
}
