package io.github.convnet4j.nn;

import io.github.convnet4j.tensor.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A network's layers as a directed acyclic graph of named values, Caffe's bottom/top: every node
 * names the values it reads, and writes one value under its own name; the network's input is the
 * value {@value #INPUT}. Checked when made: unique names, every input defined, no cycles, every node
 * on a path to the output, and the shapes agree (each node's layer checks its inputs' shapes). The
 * nodes are kept in a topological order (the given order wherever it already is one), which is the
 * order of forward; backward runs it in reverse.
 *
 * <p>Liveness is derived from the graph: for each value, the position of its last reader in
 * forward, and whether backward needs it (a reader's backward reads its input, or the producer's
 * reads its output).
 */
public final class Graph {
    /** The name of the network's input value. */
    public static final String INPUT = "input";

    /** One node: its name (also the name of the value it writes), its layer and the values it reads. */
    public record Node(String name, Layer layer, List<String> inputs) {
        /** Copies {@code inputs}, so that the node cannot change afterwards. */
        public Node {
            inputs = List.copyOf(inputs);
        }
    }

    private final List<Node> nodes;
    private final Map<String, Shape> shapes;
    private final String output;
    private final Map<String, Integer> lastForwardReader = new HashMap<>();
    private final Set<String> neededInBackward = new LinkedHashSet<>();

    private Graph(List<Node> nodes, Map<String, Shape> shapes, String output) {
        this.nodes = List.copyOf(nodes);
        this.shapes = Collections.unmodifiableMap(shapes);
        this.output = output;
        Map<String, Node> byName = new HashMap<>();
        nodes.forEach(n -> byName.put(n.name(), n));
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            for (String in : n.inputs()) {
                lastForwardReader.put(in, i);
                if (n.layer().backwardNeedsInput()) {
                    neededInBackward.add(in);
                }
            }
            if (n.layer().backwardNeedsOutput()) {
                neededInBackward.add(n.name());
            }
        }
    }

    /**
     * Checks the nodes and orders them; {@code output} names the value the loss reads (null: the
     * one node nobody reads). {@code input} is the input's shape with its batch dimension.
     * Throws IllegalArgumentException naming the nodes (and shapes) at fault.
     */
    public static Graph of(Shape input, List<Node> nodes, String output) {
        Map<String, Node> byName = new LinkedHashMap<>();
        Map<Layer, String> layers = new IdentityHashMap<>();
        for (Node n : nodes) {
            if (n.name().equals(INPUT)) {
                throw new IllegalArgumentException("node '" + INPUT + "': the name is the network's input");
            }
            if (byName.put(n.name(), n) != null) {
                throw new IllegalArgumentException("two nodes are named '" + n.name() + "'");
            }
            String other = layers.put(n.layer(), n.name());
            if (other != null) {
                throw new IllegalArgumentException("nodes '" + other + "' and '" + n.name() + "' share one layer object");
            }
            if (n.inputs().isEmpty()) {
                throw new IllegalArgumentException("node '" + n.name() + "' reads no value");
            }
            if (n.layer().arity() > 0 && n.inputs().size() != n.layer().arity()) {
                throw new IllegalArgumentException("node '" + n.name() + "' (" + n.layer().getClass().getSimpleName()
                        + ") takes " + n.layer().arity() + " input(s), got " + n.inputs());
            }
        }
        for (Node n : nodes) {
            for (String in : n.inputs()) {
                if (!in.equals(INPUT) && !byName.containsKey(in)) {
                    throw new IllegalArgumentException("node '" + n.name() + "' reads '" + in
                            + "', which no node defines (values: " + INPUT + ", " + byName.keySet() + ")");
                }
            }
        }
        List<Node> order = topologicalOrder(byName);
        String out = output != null ? output : soleSink(order);
        if (nodes.isEmpty() && out.equals(INPUT)) {
            return new Graph(order, shapes(input, order), out); // no layers: the loss reads the input
        }
        if (!byName.containsKey(out)) {
            throw new IllegalArgumentException("the output '" + out + "' is not a node (nodes: " + byName.keySet() + ")");
        }
        requireAllLeadTo(out, byName);
        return new Graph(order, shapes(input, order), out);
    }

    /** Kahn's algorithm, taking ready nodes in the given order; what is left lies on a cycle. */
    private static List<Node> topologicalOrder(Map<String, Node> byName) {
        Map<String, Integer> pending = new HashMap<>();
        Map<String, List<Node>> readers = new HashMap<>();
        for (Node n : byName.values()) {
            Set<String> distinct = new LinkedHashSet<>(n.inputs());
            distinct.remove(INPUT);
            pending.put(n.name(), distinct.size());
            distinct.forEach(in -> readers.computeIfAbsent(in, k -> new ArrayList<>()).add(n));
        }
        List<Node> order = new ArrayList<>();
        Set<String> done = new LinkedHashSet<>();
        boolean progress = true;
        while (progress) {
            progress = false;
            for (Node n : byName.values()) {
                if (!done.contains(n.name()) && pending.get(n.name()) == 0) {
                    order.add(n);
                    done.add(n.name());
                    readers.getOrDefault(n.name(), List.of()).forEach(r -> pending.merge(r.name(), -1, Integer::sum));
                    progress = true;
                }
            }
        }
        if (order.size() < byName.size()) {
            throw new IllegalArgumentException("the graph has a cycle: " + cycle(byName, done));
        }
        return order;
    }

    /** One cycle among the nodes left unordered, as "a -> b -> a" (a reads b reads a). */
    private static String cycle(Map<String, Node> byName, Set<String> done) {
        String start = byName.keySet().stream().filter(n -> !done.contains(n)).findFirst().orElseThrow();
        List<String> path = new ArrayList<>();
        String at = start;
        while (!path.contains(at)) {
            path.add(at);
            at = byName.get(at).inputs().stream().filter(i -> !i.equals(INPUT) && !done.contains(i)).findFirst()
                    .orElseThrow();
        }
        List<String> loop = new ArrayList<>(path.subList(path.indexOf(at), path.size()));
        loop.add(at);
        return String.join(" reads ", loop);
    }

    private static String soleSink(List<Node> order) {
        Set<String> read = new LinkedHashSet<>();
        order.forEach(n -> read.addAll(n.inputs()));
        List<String> sinks = order.stream().map(Node::name).filter(n -> !read.contains(n)).toList();
        if (sinks.size() != 1) {
            throw new IllegalArgumentException("name the output: the graph ends in " + sinks);
        }
        return sinks.get(0);
    }

    private static void requireAllLeadTo(String out, Map<String, Node> byName) {
        Set<String> reached = new LinkedHashSet<>();
        List<String> todo = new ArrayList<>(List.of(out));
        while (!todo.isEmpty()) {
            String v = todo.remove(todo.size() - 1);
            if (!v.equals(INPUT) && reached.add(v)) {
                todo.addAll(byName.get(v).inputs());
            }
        }
        List<String> dead = byName.keySet().stream().filter(n -> !reached.contains(n)).toList();
        if (!dead.isEmpty()) {
            throw new IllegalArgumentException("nodes " + dead + " do not lead to the output '" + out + "'");
        }
    }

    private static Map<String, Shape> shapes(Shape input, List<Node> order) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put(INPUT, input);
        for (Node n : order) {
            List<Shape> in = n.inputs().stream().map(shapes::get).toList();
            try {
                shapes.put(n.name(), n.layer().outputShape(in));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("node '" + n.name() + "' reads " + describe(n.inputs(), in) + ": "
                        + e.getMessage(), e);
            }
        }
        return shapes;
    }

    /** "a (1, 4, 8, 8), b (1, 4, 4, 4)". */
    static String describe(List<String> names, List<Shape> shapes) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            parts.add(names.get(i) + " " + shapes.get(i));
        }
        return String.join(", ", parts);
    }

    /** The nodes in forward order. */
    public List<Node> nodes() {
        return nodes;
    }

    /** The value the loss reads. */
    public String output() {
        return output;
    }

    /** Every value's shape at the batch size the graph was checked with, the input included. */
    public Map<String, Shape> shapes() {
        return shapes;
    }

    /** The position of the last node reading the value in forward, or -1 if none does (the output). */
    int lastForwardReader(String value) {
        return lastForwardReader.getOrDefault(value, -1);
    }

    /** Whether backward reads the value's forward contents, so training must keep it. */
    boolean neededInBackward(String value) {
        return neededInBackward.contains(value);
    }
}
